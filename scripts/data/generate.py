#!/usr/bin/env python3
"""Training data for EdgeLLM's intent model: random homes, commands sampled from Home Assistant's
English sentence templates (home-assistant/intents, CC BY 4.0) and recognised back with hassil.

    python scripts/data/generate.py --seed 1 --out .run/data/intents

Writes homes.jsonl, train/val/test.jsonl and val/test.eval.jsonl (edgellm eval's form) to --out.
Same seed, same bytes. See scripts/data/README.md.
"""

import argparse
import dataclasses
import json
import os
import random
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hassil.expression import (Alternative, ListReference, Permutation, RuleReference, Sequence,  # noqa: E402
                               TextChunk)
from hassil.intents import Intent, Intents, RangeSlotList, TextSlotList, WildcardSlotList  # noqa: E402
from hassil.numbers import get_rbnf_engine  # noqa: E402
from hassil.recognize import recognize_all  # noqa: E402
from home_assistant_intents import get_intents  # noqa: E402

import homes as H  # noqa: E402
import names as N  # noqa: E402
import negatives  # noqa: E402
import schema as S  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXCLUDED_PATH = os.path.join(HERE, "excluded_names.txt")

# How often each intent is drawn, relative to the others (by how often people say them and how
# many ways there are to say them).
WEIGHTS = {
    "HassTurnOn": 14, "HassTurnOff": 12, "HassLightSet": 9, "HassClimateSetTemperature": 4,
    "HassSetPosition": 4, "HassGetState": 12, "HassMediaPause": 3, "HassMediaUnpause": 3, "HassMediaNext": 3,
    "HassMediaPrevious": 3, "HassSetVolume": 4, "HassVacuumStart": 2, "HassVacuumReturnToBase": 2,
    "HassShoppingListAddItem": 3, "HassListAddItem": 3, "HassStartTimer": 6, "HassCancelTimer": 3,
    "HassNevermind": 1,
}
NEGATIVE_SHARE = 0.1
HELDOUT_TEMPLATE_SHARE = 0.1
EVAL_LINES_PER_HOME = 35

# Free-text (wildcard) lists we can fill; templates with any other wildcard are not used.
WILDCARDS = {"shopping_list_item": N.ITEMS, "todo_list_item": N.ITEMS, "timer_name": N.TIMER_NAMES,
             "timer_command": N.TIMER_COMMANDS}
HOME_LISTS = {"name", "area", "floor"}
# Template-fixed slots the 2025-07 tests leave out (README: disagreements).
DROPPED = {"HassLightSet": {"domain"}}
# "is the back gate open" / "is the hallway motion detected": only sensors that sense that.
SENSED_BY = {"bs_open_states": {"door", "garage_door", "opening", "window"},
             "bs_occupancy_states": {"motion", "occupancy", "presence"}}
# The 2025-07 tests give the domain of a named entity of some domains (and a binary sensor's or
# sensor's device class: schema.says_domain, says_device_class); the 2026 templates only require it.
NAMED_INTENTS = {"HassTurnOn", "HassTurnOff", "HassSetPosition", "HassGetState"}


class Skip(Exception):
    """This template cannot be said in this home (or its parse does not map to our conventions)."""


@dataclasses.dataclass
class Template:
    id: str
    intent: str
    block: object  # hassil IntentData
    sentence: object  # hassil Sentence
    rules: dict
    recognizer: object  # hassil Intents holding just this block
    lists: frozenset  # home lists it names
    state_list: object  # the binary-sensor state list it uses, if any
    own_lists: dict = None  # another release's slot lists (--also-templates); None: the main release's

    def feasible(self, home):
        """Whether this home has something for each of the template's lists."""
        if "area" in self.lists or "area" in self.block.requires_context:
            if not home["areas"]:
                return False
        if "floor" in self.lists and not any(a.get("floor") for a in home["areas"]):
            return False
        fixed = self.block.slots.get("domain")
        if fixed and not any(S.domain(e) == fixed for e in home["entities"]):
            return False
        return "name" not in self.lists or bool(block_entities(home, self))


def load_templates():
    intents = Intents.from_dict(merged_templates())
    return intents, templates_of(intents)


def load_release_templates(folder):
    """The English templates of another home-assistant-intents release, installed in `folder`
    (`pip install --no-deps --target FOLDER home-assistant-intents==VERSION`), as templates whose
    ids start with the folder's name."""
    path = os.path.join(folder, "home_assistant_intents", "data", "en.json")
    try:
        with open(path, encoding="utf-8") as f:
            intents = Intents.from_dict(json.load(f))
    except (OSError, ValueError) as e:
        raise SystemExit(f"error: no English templates of home-assistant-intents in {folder}: {e}")
    return intents, templates_of(intents, prefix=os.path.basename(os.path.normpath(folder)) + "/",
                                 own_lists=dict(intents.slot_lists))


def templates_of(intents, prefix="", own_lists=None):
    out = []
    for name in S.INTENTS:
        for b, block in enumerate(intents.intents[name].data):
            if set(block.requires_context) - {"area", "domain"} or block.excludes_context:
                continue
            rules = {**intents.expansion_rules, **block.expansion_rules}
            only = dataclasses.replace(intents, intents={name: Intent(name=name, data=[block])})
            for s, sentence in enumerate(block.sentences):
                refs = list(sentence.expression.list_references(rules))
                used = {r.list_name for r in refs}
                wild = {n for n in used if isinstance(intents.slot_lists.get(n), WildcardSlotList)}
                if wild - set(WILDCARDS):
                    continue
                slots = ({r.slot_name for r in refs} | set(block.slots)) - DROPPED.get(name, set())
                if not slots <= set(S.INTENTS[name][0]):
                    continue  # e.g. colour temperature: not a slot EdgeLLM has
                states = next((n for n in sorted(used) if n in SENSED_BY), None)
                out.append(Template(f"{prefix}{name}:{b}:{s}", name, block, sentence, rules, only,
                                    frozenset(used & HOME_LISTS), states, own_lists))
    return out


def merged_templates():
    """Home Assistant's English templates plus ours (templates_extra.yaml): each extra block is
    appended to its intent's blocks."""
    import yaml

    data = get_intents("en")
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates_extra.yaml"), encoding="utf-8") as f:
        extra = yaml.safe_load(f)
    for name, intent in extra["intents"].items():
        data["intents"].setdefault(name, {"data": []})["data"].extend(intent["data"])
    return data


def choose_heldout(rng, templates):
    """~10 % of each intent's templates, used only in val/test."""
    heldout = set()
    for intent in S.INTENTS:
        ids = [t.id for t in templates if t.intent == intent]
        k = round(len(ids) * HELDOUT_TEMPLATE_SHARE)
        heldout.update(rng.sample(ids, k))
    return heldout


# ---- sampling a sentence from a template ----

def number_text(rng, value, words_ok):
    if words_ok and float(value).is_integer() and rng.random() < 0.35:
        spelled = get_rbnf_engine("en").format_number(int(value)).text_by_ruleset
        words = spelled.get("spellout-cardinal") or spelled[sorted(spelled)[0]]
        return words.replace("-", " ") if rng.random() < 0.5 else words  # speech-to-text writes both
    return S.format_number(value)


def pick_number(rng, list_name, rl):
    """A plausible value for a range list: round percentages, room temperatures, short timers."""
    lo, hi = rl.start, rl.stop
    if list_name in ("brightness", "position", "volume"):
        value = rng.choice(range(0, 101, 5)) if rng.random() < 0.7 else rng.randint(lo, hi)
    elif list_name == "temperature":
        roll = rng.random()
        value = rng.randint(16, 26) if roll < 0.6 else rng.randint(60, 80) if roll < 0.85 else rng.randint(lo, hi)
        if rl.fraction_type is not None and rng.random() < 0.15:
            value += 0.5
    elif list_name == "timer_hours":
        value = rng.randint(1, 4) if rng.random() < 0.8 else rng.randint(lo, hi)
    elif list_name == "timer_seconds":
        value = rng.choice([5, 10, 15, 20, 30, 45, 90]) if rng.random() < 0.6 else rng.randint(lo, hi)
    else:
        value = rng.choice([1, 2, 3, 5, 10, 15, 20, 25, 30, 45, 60]) if rng.random() < 0.6 else rng.randint(lo, hi)
    return max(lo, min(hi, value))


def expand(rng, expr, lists, rules, used):
    """Random text for one hassil expression; `used` collects {slot: (text, value)} of list picks."""
    if isinstance(expr, TextChunk):
        return expr.original_text
    if isinstance(expr, Alternative):
        return expand(rng, rng.choice(expr.items), lists, rules, used)
    if isinstance(expr, Permutation):
        items = list(expr.items)
        rng.shuffle(items)
        return " ".join(expand(rng, i, lists, rules, used) for i in items)
    if isinstance(expr, Sequence):
        return "".join(expand(rng, i, lists, rules, used) for i in expr.items)
    if isinstance(expr, RuleReference):
        return expand(rng, rules[expr.rule_name].expression, lists, rules, used)
    if isinstance(expr, ListReference):
        slot_list = lists.get(expr.list_name)
        if isinstance(slot_list, TextSlotList):
            if not slot_list.values:
                raise Skip("empty list " + expr.list_name)
            value = rng.choice(slot_list.values)
            text = expand(rng, value.text_in, lists, rules, used)
            used[expr.slot_name] = (text, value.value_out)
            return text
        if isinstance(slot_list, RangeSlotList):
            value = pick_number(rng, expr.list_name, slot_list)
            used[expr.slot_name] = (None, value)
            return number_text(rng, value, slot_list.words)
        if isinstance(slot_list, WildcardSlotList) and expr.list_name in WILDCARDS:
            text = rng.choice(WILDCARDS[expr.list_name])
            used[expr.slot_name] = (text, text)
            return text
        raise Skip("cannot fill list " + expr.list_name)
    raise Skip(f"unexpected expression {type(expr).__name__}")


def squash(text):
    return " ".join(text.split())


# ---- a home as hassil's slot lists ----

def name_values(home, entities=None):
    """(spoken, value, context) per name and alias: Home Assistant matches either and keeps the
    one said, with the entity's domain (and device class) as context for requires_context."""
    out = []
    for e in home["entities"] if entities is None else entities:
        context = {"domain": S.domain(e)}
        if e.get("device_class"):
            context["device_class"] = e["device_class"]
        for n in [e["name"]] + (e.get("aliases") or []):
            out.append((n, n, context))
    return out


def slot_lists(home, names=None):
    areas = [a["name"] for a in home["areas"]]
    floors = sorted({a["floor"] for a in home["areas"] if a.get("floor")})
    return {
        "name": TextSlotList.from_tuples(name_values(home) if names is None else names, allow_template=False,
                                         name="name"),
        "area": TextSlotList.from_tuples([(a, a) for a in areas], allow_template=False, name="area"),
        "floor": TextSlotList.from_tuples([(f, f) for f in floors], allow_template=False, name="floor"),
    }


def block_entities(home, template):
    """Entities a template's {name} can mean: those of the domains (and device class) it names."""
    wanted = template.block.requires_context.get("domain")
    wanted = [wanted] if isinstance(wanted, str) else wanted
    device_class = template.block.slots.get("device_class")
    fixed_domain = template.block.slots.get("domain")
    out = []
    for e in home["entities"]:
        d = S.domain(e)
        if wanted and d not in wanted:
            continue
        if fixed_domain and d != fixed_domain:
            continue
        if device_class and e.get("device_class") != device_class:
            continue
        if not S.acts(template.intent, d):
            continue
        if template.state_list and e.get("device_class") not in SENSED_BY[template.state_list]:
            continue
        out.append(e)
    return out


# ---- from hassil's parse to our line ----

def to_gold(template, result, home):
    """Our intent slots for hassil's parse, following the 2025-07 test conventions (README)."""
    intent = template.intent
    slots = {}
    context_area = None
    requires_area = "area" in template.block.requires_context
    for entity in result.entities_list:
        value = entity.value
        if entity.name == "area" and requires_area and entity.text == "":
            context_area = value  # filled by the agent after parsing, never said
            continue
        if isinstance(value, dict):
            raise Skip("structured slot value")
        if entity.name in DROPPED.get(intent, ()):
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        slots[entity.name] = value
    allowed = S.INTENTS[intent][0]
    for key in slots:
        if key not in allowed:
            raise Skip(f"slot {key} not in {intent}")
    if intent in ("HassTurnOn", "HassTurnOff") and "name" not in slots and context_area is None \
            and slots.get("domain") == "fan":
        slots["name"] = S.ALL_NAME  # the 2025-07 tests' "turn off the living room fans"
    if "name" in slots and slots["name"] != S.ALL_NAME and intent in NAMED_INTENTS:
        entity = named_entity(intent, slots["name"], home)
        if S.says_domain(intent, entity):
            slots["domain"] = S.domain(entity)
        if S.says_device_class(intent, entity):
            slots["device_class"] = entity["device_class"]
    why = S.misfit(intent, slots, home)
    if why:
        raise Skip("grammar: " + why)  # the model could not write it for this home
    return slots, context_area


def says_a_name(text, intent, home):
    if "name" in S.TEXT_SLOTS.get(intent, ()):
        return False
    padded = f" {text.casefold()} "
    return any(f" {n.casefold()} " in padded for e in home["entities"] if S.acts(intent, S.domain(e))
               for n in [e["name"]] + (e.get("aliases") or []))


def named_entity(intent, name, home):
    for e in home["entities"]:
        if S.acts(intent, S.domain(e)) and name in [e["name"]] + (e.get("aliases") or []):
            return e
    raise Skip("name not acted on by intent")


def ordered(slots):
    return {k: slots[k] for k in S.SLOT_ORDER if k in slots}


def with_context_area(intent, slots, area):
    """The gold `edgellm eval` compares with when the line carries a context area: the recognizer
    adds it exactly when the intent fills it and the line names no name, area or floor."""
    if not S.INTENTS[intent][2] or "area" in slots or "floor" in slots:
        return dict(slots)
    if "name" in slots and slots["name"] != S.ALL_NAME:
        return dict(slots)
    return {**slots, "area": area}


# ---- how people actually type and say it ----

PREFIXES = ["please ", "could you ", "can you ", "hey ", "hey, ", "would you ", "ok ", "okay ", "um ", "uh ",
            "uh, ", "so ", "hey there, ", "yo ", "right, ", "alright ", "hi, ", "excuse me, "]
SUFFIXES = [" please", " thanks", " for me", " now", " thank you", " right now", " pls", " cheers"]
FILLERS = ["um", "uh", "like", "er"]


def vary(rng, text, protected):
    """Politeness, fillers, dropped articles, casing and punctuation; never inside `protected`
    (the slot values said), so the gold stays right."""
    words = text.split()
    if rng.random() < 0.15:
        keep = [w for w in words if not (w.lower() == "the" and rng.random() < 0.7)]
        if all(p.lower() in " ".join(keep).lower() for p in protected):
            words = keep
    if rng.random() < 0.06 and len(words) > 2:
        i = rng.randint(1, len(words) - 1)
        candidate = words[:i] + [rng.choice(FILLERS)] + words[i:]
        if all(p.lower() in " ".join(candidate).lower() for p in protected):
            words = candidate
    text = " ".join(words)
    if rng.random() < 0.18:
        text = rng.choice(PREFIXES) + text
    if rng.random() < 0.08:
        text += rng.choice(SUFFIXES)
    roll = rng.random()
    if roll < 0.45:
        text = text.lower()
    elif roll < 0.8:
        text = text[:1].upper() + text[1:]
    roll = rng.random()
    if roll < 0.15:
        text += "?" if text.split()[0].lower() in negatives.QUESTION_WORDS else "."
    elif roll < 0.2:
        text += "!"
    return text


# ---- one home's examples ----

class HomeSampler:
    """Examples for one home at a time (one per worker process: template parsing is the slow part)."""

    def __init__(self, intents, templates, heldout, train_only=()):
        self.templates, self.heldout, self.base_lists = templates, heldout, dict(intents.slot_lists)
        self.on_off = dataclasses.replace(intents, intents={k: intents.intents[k]
                                                            for k in ("HassTurnOn", "HassTurnOff")})
        self.by_intent, self.train_only = {}, {}
        for t in templates:
            self.by_intent.setdefault(t.intent, []).append(t)
        for t in train_only:
            self.train_only.setdefault(t.intent, []).append(t)

    def examples(self, rng, home, home_id, split, count, absent):
        lists = {**self.base_lists, **slot_lists(home)}
        supported = S.supported_intents(home)
        stats = Counter()
        out, seen = [], set()
        tries = 0
        while len(out) < count and tries < count * 20:
            tries += 1
            if rng.random() < NEGATIVE_SHARE:
                ex = self._negative(rng, home, lists, absent, stats)
            else:
                intent = rng.choices(supported, [WEIGHTS[i] for i in supported])[0]
                ex = self._positive(rng, home, lists, intent, split, stats)
            if ex is None or ex["text"].casefold() in seen:
                continue
            seen.add(ex["text"].casefold())
            ex["home_id"] = home_id
            out.append(ex)
        return out, stats

    def _pick_template(self, rng, home, intent, split):
        pool = [t for t in self.by_intent[intent] if t.feasible(home)]
        held = [t for t in pool if t.id in self.heldout]
        if split == "train":
            pool = [t for t in pool if t.id not in self.heldout]
            pool += [t for t in self.train_only.get(intent, []) if t.feasible(home)]
        elif held and rng.random() < 0.25:
            pool = held  # enough held-out templates in val/test to measure them
        if not pool:
            raise Skip("no template this home can say")
        return rng.choice(pool)

    def _positive(self, rng, home, lists, intent, split, stats):
        try:
            t = self._pick_template(rng, home, intent, split)
            own = {**t.own_lists, **slot_lists(home)} if t.own_lists is not None else lists
            sample_lists = dict(own)
            if "name" in t.lists:
                entities = block_entities(home, t)
                if t.lists & {"area", "floor"}:
                    # "the desk lamp in the study": an entity's own area (or floor), as people say it
                    entity = rng.choice(entities)
                    # (an entity without an area, a scene say, may be said to be anywhere)
                    area = next((a for a in home["areas"] if a["id"] == entity.get("area")), None) \
                        or rng.choice(home["areas"])
                    if "floor" in t.lists and not area.get("floor"):
                        raise Skip("entity without area or floor")
                    sample_lists.update(slot_lists({"areas": [area], "entities": [entity]}))
                else:
                    sample_lists["name"] = slot_lists(home, name_values(home, entities))["name"]
            used = {}
            text = squash(expand(rng, t.sentence.expression, sample_lists, t.rules, used))
            if "name" not in used and says_a_name(text, intent, home):
                raise Skip("says a name")  # Home Assistant reads "the kitchen light" as the entity
            context = None
            if "area" in t.block.requires_context:
                if not home["areas"]:
                    raise Skip("no area for context")
                context = rng.choice(home["areas"])["name"]
            if intent == "HassGetState" and self._is_a_command(text, lists, home):
                raise Skip("reads as a command")
            result = self._recognize(text, t, own, context, used)
            slots, context_area = to_gold(t, result, home)
        except Skip as e:
            stats[f"skipped {intent}: {e}"] += 1
            return None
        slots = ordered(slots)
        protected = [v[0] for v in used.values() if v[0]]
        ex = {"text": vary(rng, text, protected), "intent": intent, "slots": slots,
              "output": S.serialise(intent, slots), "heldout_template": t.id in self.heldout,
              "template": t.id}
        if context_area is not None and split != "train":
            ex["slots"] = ordered(with_context_area(intent, slots, context_area))
            ex["context"] = {"area": context_area}
        stats["ok"] += 1
        return ex

    def _is_a_command(self, text, lists, home):
        """Some question templates make no question ("each fan off"): those read as HassTurnOff."""
        context = {"area": home["areas"][0]["name"]} if home["areas"] else None
        return next(iter(recognize_all(text, self.on_off, slot_lists=lists, intent_context=context,
                                       language="en")), None) is not None

    @staticmethod
    def _recognize(text, t, lists, context, used):
        """hassil's parse of the sampled text against its own template's block, the one that
        agrees with what was sampled (another reading of the same words is a different command)."""
        intent_context = {"area": context} if context else None
        for result in recognize_all(text, t.recognizer, slot_lists=lists, intent_context=intent_context,
                                    language="en"):
            said = {e.name: e.value for e in result.entities_list if e.text}
            if all(said.get(k) == v for k, (_, v) in used.items()) and set(said) <= set(used):
                return result
        raise Skip("unrecognised")

    def _negative(self, rng, home, lists, absent, stats):
        """Chit-chat, or a command for a device or area this home does not have."""
        if rng.random() < 0.5 or not absent:
            text = negatives.chit_chat(rng)
            kind = "chat"
        else:
            candidates = [t for t in self.templates if t.lists & {"name", "area"} and t.id not in self.heldout
                          and t.intent in S.supported_intents(home)]
            t = rng.choice(candidates)
            fake = dict(lists)
            names = [(n, n, {}) for n in absent["names"]]
            fake["name"] = TextSlotList.from_tuples(names, allow_template=False, name="name")
            fake["area"] = TextSlotList.from_tuples([(a, a) for a in absent["areas"]], allow_template=False,
                                                    name="area")
            used = {}
            try:
                text = squash(expand(rng, t.sentence.expression, fake, t.rules, used))
            except Skip:
                return None
            if not (set(used) & {"name", "area"}):
                return None
            text = vary(rng, text, [])
            kind = "missing"
        stats["negative: " + kind] += 1
        return {"text": text, "intent": None, "slots": {}, "output": S.NONE, "heldout_template": False,
                "template": "none:" + kind}


# ---- the whole data set ----

# Not devices: "turn off nora" is not a command for a missing device.
PEOPLE_AND_LISTS = ("device:person", "device:todo")

def absent_names(rng, home, pools):
    """Names from this split's lists that the home lacks, for "no such device" negatives."""
    have = H.home_names(home)
    devices = [k for k in pools if k.startswith(("device:", "cover:", "valve:")) and k not in PEOPLE_AND_LISTS]
    names = sorted({w for k in devices for w in pools[k] if w.casefold() not in have})
    areas = sorted(a for a in pools["areas"] if a.casefold() not in have)
    return {"names": rng.sample(names, min(40, len(names))), "areas": rng.sample(areas, min(10, len(areas)))}


_WORKER = {}


def _init_worker(heldout, also=None):
    intents, templates = load_templates()
    train_only = load_release_templates(also)[1] if also else ()
    # A held-out sentence template the other release says word for word stays held out.
    held = {(t.intent, t.sentence.text) for t in templates if t.id in heldout}
    train_only = [t for t in train_only if (t.intent, t.sentence.text) not in held]
    _WORKER["sampler"] = HomeSampler(intents, templates, heldout, train_only)


def _home_examples(job):
    seed, home_id, split, home, count, absent = job
    rng = random.Random(f"{seed}:examples:{home_id}")
    return _WORKER["sampler"].examples(rng, home, home_id, split, count, absent)


def build_homes(seed, counts, invented_share=0.0, large_share=0.0):
    """Homes of every split from one seed. A share of training homes get made-up names
    (`homes.invent_names`) and `extra_train` more training homes are built, a share of them large,
    each from random streams of their own, so the validation and test splits are the same whatever
    the shares and counts."""
    rng = random.Random(f"{seed}:homes")

    def maybe_invent(home_id, home, builder, forbidden):
        invent = random.Random(f"{seed}:invented:{home_id}")
        if invent.random() < invented_share:
            return H.invent_names(home, invent, excluded | forbidden, builder.style)
        return home

    excluded = H.load_excluded(EXCLUDED_PATH)
    pools = H.split_pools(rng, excluded)
    train_names = set()
    homes = []
    for split in ("train", "val", "test"):
        part = "train" if split == "train" else "heldout"
        for i in range(counts[split]):
            builder = H.HomeBuilder(rng, pools[part], excluded, frozenset() if split == "train" else train_names)
            home = builder.build()
            if split == "train":
                train_names |= H.home_names(home)
            home_id = f"{split}-{i:04d}"
            absent = absent_names(rng, home, pools[part])
            if split == "train":
                home = maybe_invent(home_id, home, builder, train_names)
                train_names |= H.home_names(home)
            homes.append((home_id, split, home, absent))
    # More training homes from a stream of their own, after the others: the validation and test
    # homes stay as they are, and none of their names is used.
    more = random.Random(f"{seed}:extra-homes")
    heldout_names = set().union(*(H.home_names(h) for _, split, h, _ in homes if split != "train"))
    for i in range(counts.get("extra_train", 0)):
        home_id = f"train-{counts['train'] + i:04d}"
        large = random.Random(f"{seed}:large:{home_id}").random() < large_share
        builder = H.HomeBuilder(more, pools["train"], excluded, frozenset(heldout_names), scale=3 if large else 1)
        home = builder.build()
        absent = absent_names(more, home, pools["train"])
        homes.append((home_id, "train", maybe_invent(home_id, home, builder, heldout_names), absent))
    return homes


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--train-homes", type=int, default=400)
    ap.add_argument("--val-homes", type=int, default=40)
    ap.add_argument("--test-homes", type=int, default=40)
    ap.add_argument("--per-home", type=int, default=120)
    ap.add_argument("--extra-train-homes", type=int, default=0, metavar="N",
                    help="training homes built after the validation and test homes, which they leave unchanged")
    ap.add_argument("--large-homes", type=float, default=0.0, metavar="SHARE",
                    help="share of the extra training homes built large (6-12 areas, up to three times the "
                         "devices, like Home Assistant's test home; default: 0)")
    ap.add_argument("--invented-names", type=float, default=0.0, metavar="SHARE",
                    help="share of training homes whose names are made up (default: 0)")
    ap.add_argument("--also-templates", metavar="FOLDER",
                    help="also sample training commands from the templates of the home-assistant-intents "
                         "release installed in FOLDER (setup.sh installs 2025.6.23, the conventions of Home "
                         "Assistant's 2025-07 tests, in .venv/intents-2025.6.23); validation and test are unchanged")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = ap.parse_args(argv)

    _, templates = load_templates()
    heldout = choose_heldout(random.Random(f"{args.seed}:heldout"), templates)
    if args.also_templates:
        load_release_templates(args.also_templates)  # a missing folder fails here, in one line
    for option, share in (("--invented-names", args.invented_names), ("--large-homes", args.large_homes)):
        if not 0 <= share <= 1:
            ap.error(f"{option} must be between 0 and 1")
    homes = build_homes(args.seed, {"train": args.train_homes, "val": args.val_homes, "test": args.test_homes,
                                   "extra_train": args.extra_train_homes},
                        args.invented_names, args.large_homes)
    jobs = [(args.seed, hid, split, home, args.per_home, absent) for hid, split, home, absent in homes]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs, initializer=_init_worker, initargs=(heldout, args.also_templates)) as pool:
            results = list(pool.map(_home_examples, jobs, chunksize=4))
    else:
        _init_worker(heldout, args.also_templates)
        results = [_home_examples(j) for j in jobs]

    os.makedirs(args.out, exist_ok=True)
    stats = Counter()
    per_split = {"train": [], "val": [], "test": []}
    with open(os.path.join(args.out, "homes.jsonl"), "w", encoding="utf-8") as f:
        for (hid, split, home, _), (examples, s) in zip(homes, results):
            f.write(dumps({"id": hid, "split": split, "home": home}) + "\n")
            per_split[split].append((home, examples))
            stats.update(s)
    for split, items in per_split.items():
        with open(os.path.join(args.out, f"{split}.jsonl"), "w", encoding="utf-8") as f:
            for _, examples in items:
                for ex in examples:
                    f.write(dumps(ex) + "\n")
        if split == "train":
            continue
        with open(os.path.join(args.out, f"{split}.eval.jsonl"), "w", encoding="utf-8") as f:
            for home, examples in items:
                for ex in examples[:EVAL_LINES_PER_HOME]:
                    line = {"text": ex["text"], "intent": ex["intent"], "slots": ex["slots"]}
                    if "context" in ex:
                        line["context"] = ex["context"]
                    line.update({"home": "local", "local_home": home})
                    f.write(dumps(line) + "\n")
    summary(per_split, stats)


def summary(per_split, stats):
    for split, items in per_split.items():
        examples = [ex for _, exs in items for ex in exs]
        counts = Counter(ex["intent"] or "none" for ex in examples)
        held = sum(ex["heldout_template"] for ex in examples)
        print(f"{split}: {len(items)} homes, {len(examples)} examples ({held} from held-out templates)",
              file=sys.stderr)
        print("  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    print("sampling: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
