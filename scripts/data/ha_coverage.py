#!/usr/bin/env python3
"""How much of Home Assistant's English test set the generator's templates can say, in our
conventions: each benchmark sentence is recognised with the templates generate.py samples from
(Home Assistant's plus templates_extra.yaml) against its own home, every parse is mapped the way
generate.py maps its own (`to_gold`), and the sentence counts as covered when one mapping is its
gold intent and slots. What is left is where the templates and the 2025-07 tests disagree.

    .venv/bin/python scripts/data/ha_coverage.py ../shared/benchmarks/ha-intents-en [--show 20]
    # with the templates `generate.py --also-templates` adds (setup.sh installs this release):
    .venv/bin/python scripts/data/ha_coverage.py ../shared/benchmarks/ha-intents-en --also-templates .venv/intents-2025.6.23

Reads the benchmark only to measure; nothing here is written into training data.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import types


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmark", help="folder with sentences.jsonl and home.json")
    parser.add_argument("--also-templates", metavar="FOLDER",
                        help="also the templates of the home-assistant-intents release installed in FOLDER")
    parser.add_argument("--show", type=int, default=0, help="print this many uncovered sentences per outcome")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import generate as G
    from hassil.intents import Intents
    from hassil.recognize import recognize_all
    from importlib.metadata import version

    try:
        with open(os.path.join(args.benchmark, "home.json"), encoding="utf-8") as f:
            fixture = json.load(f)
        with open(os.path.join(args.benchmark, "sentences.jsonl"), encoding="utf-8") as f:
            sentences = [json.loads(line) for line in f]
    except (OSError, ValueError) as e:
        raise SystemExit(f"error: cannot read the benchmark in {args.benchmark}: {e}")

    releases = [Intents.from_dict(G.merged_templates())]
    names = [f"home-assistant-intents {version('home-assistant-intents')} + templates_extra.yaml"]
    if args.also_templates:
        releases.append(G.load_release_templates(args.also_templates)[0])
        names.append(os.path.basename(os.path.normpath(args.also_templates)))
    outcomes = collections.Counter()
    by_source = collections.defaultdict(collections.Counter)
    examples = collections.defaultdict(list)
    for s in sentences:
        home = local_home(s["local_home"]) if s.get("home") == "local" else fixture
        outcome, detail = classify(G, releases, recognize_all, s, home)
        outcomes[outcome] += 1
        by_source[s["source"]][outcome] += 1
        examples[outcome].append(f"{s['text']!r}: {detail}")

    print(f"{' and '.join(names)}: {len(sentences)} sentences")
    for outcome in ("covered", "parsed, other slots", "parsed, not mappable", "not parsed"):
        print(f"  {outcome}: {outcomes[outcome]}")
    print("by test file (covered / sentences):")
    for source, counts in sorted(by_source.items()):
        print(f"  {source}: {counts['covered']} / {sum(counts.values())}")
    for outcome in ("parsed, other slots", "parsed, not mappable", "not parsed"):
        for line in examples[outcome][:args.show]:
            print(f"[{outcome}] {line}")


def classify(G, releases, recognize_all, sentence, home):
    """(outcome, detail): whether some parse of the sentence, by any of the releases' templates,
    maps to its gold."""
    gold = {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in sentence["slots"].items()}
    context = sentence.get("context") or None
    others, unmappable = [], []
    results = (r for intents in releases
               for r in recognize_all(sentence["text"], intents, slot_lists={**intents.slot_lists, **G.slot_lists(home)},
                                      intent_context=context, language="en"))
    for result in results:
        if result.intent.name != sentence["intent"]:
            others.append(result.intent.name)
            continue
        template = types.SimpleNamespace(intent=result.intent.name, block=result.intent_data)
        try:
            slots, context_area = G.to_gold(template, result, home)
        except (G.Skip, KeyError) as e:
            unmappable.append(str(e))
            continue
        if context_area is not None:
            slots = G.with_context_area(sentence["intent"], slots, context_area)
        if slots == gold:
            return "covered", ""
        others.append(json.dumps(slots, sort_keys=True))
    if others:
        return "parsed, other slots", f"gold {json.dumps(gold, sort_keys=True)}; got {others[0]}"
    if unmappable:
        return "parsed, not mappable", unmappable[0]
    return "not parsed", ""


def local_home(home):
    """A test's own small home in the generator's schema (areas may be missing, entities may give
    only their domain)."""
    entities = [{**e, "entity_id": e.get("entity_id") or f"{e['domain']}.entity_{i}"}
                for i, e in enumerate(home.get("entities", []))]
    return {"areas": home.get("areas", []), "entities": entities}


if __name__ == "__main__":
    main()
