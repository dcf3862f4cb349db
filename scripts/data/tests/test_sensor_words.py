"""The recognizer's binary-sensor words (IntentSchema.sensorStates and binarySensorWords in
Sources/EdgeLLMIntents/IntentSchema.swift) against what the data says:

- every sentence EdgeLLM's own binary-sensor templates (templates_extra.yaml) can make has its
  device class and state among those its words say, taken together;
- every HassGetState line of a generated data set (Home Assistant's templates and ours) that says
  a binary-sensor word outside its home's names is `domain binary_sensor`, and a binary-sensor
  line's class and state are among those its words say.

    .venv/bin/python -m unittest discover -s scripts/data/tests -v
"""

import contextlib
import io
import json
import os
import re
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(DATA))
sys.path.insert(0, DATA)

import generate  # noqa: E402
from hassil.intents import TextSlotList  # noqa: E402
from hassil.parse_expression import parse_sentence  # noqa: E402
from hassil.sample import sample_expression  # noqa: E402

SCHEMA = os.path.join(ROOT, "Sources", "EdgeLLMIntents", "IntentSchema.swift")


def swift_tables():
    """(word -> classes it names, word -> {(class, state)}, state turners, binary-sensor words) as
    IntentSchema.swift spells them; every row of each literal is read, or the test fails."""
    with open(SCHEMA, encoding="utf-8") as f:
        source = f.read()

    def rows(name, pattern):
        start = source.index(f"static let {name}")
        text = source[start:source.index("var table", start)]
        found = re.findall(pattern, text)
        assert len(found) == text.count('("'), f"{name}: a row is not read"
        return found

    def words_of(name):
        start = source.index(f"static let {name}")
        return set(re.findall(r'"([a-z]+)"', source[start:source.index("]", start)]))

    classes = {}
    for device_class, words in rows("sensorClassWords", r'\("([a-z_]+)", "([a-z ]+)"\)'):
        for word in words.split():
            classes.setdefault(word, set()).add(device_class)
    states = {}
    for device_class, state, words in rows("sensorStates",
                                           r'\("([a-z_]+)", "(on|off)", "([a-z ]+)"\)'):
        for word in words.split():
            states.setdefault(word, set()).add((device_class, state))
    return classes, states, words_of("stateTurners"), words_of("binarySensorWords")


def words(text):
    """As MentionCheck.words: lower-case runs of letters and digits, apostrophes dropped."""
    return re.findall(r"[^\W_]+", text.lower().replace("'", "").replace("\u2019", ""))


def forms(word):
    """As MentionCheck.forms, for the plural endings."""
    out = [word]
    if word.endswith("s") and len(word) > 2:
        out.append(word[:-1])
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    return out


def outside_names(text, names):
    """The words of `text` outside where one of `names` is said, its words in a row."""
    ws = words(text)
    inside = [False] * len(ws)
    for name in names:
        nw = words(name)
        for i in range(len(ws) - len(nw) + 1):
            if nw and all(set(forms(ws[i + k])) & set(forms(nw[k])) for k in range(len(nw))):
                inside[i:i + len(nw)] = [True] * len(nw)
    return [w for w, x in zip(ws, inside) if not x]


def said(ws, tables):
    """As MentionCheck.saidSensor: (classes, {class: states}, every form of the words)."""
    classes, states, turners, _ = tables
    all_forms = {f for w in ws for f in forms(w)}
    named = set().union(*(classes.get(f, set()) for f in all_forms))
    stated = set().union(*(states.get(f, set()) for f in all_forms))
    allowed = named or {c for c, _ in stated}
    by_class = {}
    if not turners & set(ws):
        for c, st in stated:
            if c in allowed:
                by_class.setdefault(c, set()).add(st)
    return allowed, by_class, all_forms


def agrees(slots, allowed, by_class):
    """Whether a gold binary-sensor line is one the guide lets through."""
    return (not allowed or slots["device_class"] in allowed) and slots["state"] in by_class.get(slots["device_class"], {slots["state"]})


def expansions(template):
    """Every sentence of a hassil template, by hassil itself; a slot becomes a word that says nothing."""
    lists = {slot: TextSlotList.from_strings(["thing"]) for slot in ("name", "area")}
    return [" ".join(s.split()) for s in sample_expression(parse_sentence(template).expression, lists)]


class SensorWords(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tables = swift_tables()
        cls.binary_words = cls.tables[3]

    def test_the_tables_are_read(self):
        classes, states, turners, binary = self.tables
        self.assertIn(("moisture", "on"), states["wet"])
        self.assertEqual(classes["smoke"], {"smoke"})
        self.assertIn("not", turners)
        self.assertIn("wet", binary)
        self.assertEqual(said(words("are any smoke sensors triggered"), self.tables)[:2], ({"smoke"}, {"smoke": {"on"}}))
        self.assertEqual(said(words("is the mains power off"), self.tables)[:2], ({"power"}, {}))
        self.assertEqual(expansions("is [the] {name} (wet|dry)"),
                         ["is the thing wet", "is the thing dry", "is thing wet", "is thing dry"])

    def test_every_sentence_of_our_sensor_templates_says_its_class_and_state(self):
        with open(os.path.join(DATA, "templates_extra.yaml"), encoding="utf-8") as f:
            extra = yaml.safe_load(f)
        checked = 0
        for block in extra["intents"]["HassGetState"]["data"]:
            slots = block["slots"]
            if slots.get("domain") != "binary_sensor":
                continue
            for template in block["sentences"]:
                for sentence in expansions(template):
                    allowed, by_class, _ = said(words(sentence), self.tables)
                    self.assertTrue(allowed, sentence)
                    self.assertTrue(agrees(slots, allowed, by_class), sentence)
                    checked += 1
        self.assertGreater(checked, 300)

    def test_generated_lines_agree_with_the_words(self):
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stderr(io.StringIO()):
            generate.main(["--seed", "3", "--out", tmp, "--train-homes", "40", "--val-homes", "4", "--test-homes", "4",
                           "--per-home", "120", "--jobs", "1"])
            with open(os.path.join(tmp, "homes.jsonl"), encoding="utf-8") as f:
                homes = {h["id"]: h["home"] for h in map(json.loads, f)}
            with open(os.path.join(tmp, "train.jsonl"), encoding="utf-8") as f:
                lines = [json.loads(x) for x in f]
        binary = 0
        for x in lines:
            if x["intent"] != "HassGetState":
                continue
            home = homes[x["home_id"]]
            names = [n for e in home["entities"] for n in [e["name"]] + (e.get("aliases") or [])]
            names += [a["name"] for a in home["areas"]] + [a["floor"] for a in home["areas"] if a.get("floor")]
            allowed, by_class, all_forms = said(outside_names(x["text"], names), self.tables)
            slots = x["slots"]
            if all_forms & self.binary_words:
                self.assertEqual(slots.get("domain"), "binary_sensor", x["text"])
            if slots.get("domain") == "binary_sensor" and allowed:
                binary += 1
                self.assertTrue(agrees(slots, allowed, by_class), x["text"])
        self.assertGreater(binary, 20)


if __name__ == "__main__":
    unittest.main()
