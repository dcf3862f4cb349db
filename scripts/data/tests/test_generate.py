"""Checks of the data generator (no torch, a few seconds):

    .venv/bin/python -m unittest discover -s scripts/data/tests -v
"""

import collections
import contextlib
import filecmp
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(DATA))
sys.path.insert(0, DATA)

import dataset_io  # noqa: E402
import generate  # noqa: E402
import homes as H  # noqa: E402
import prompt  # noqa: E402
import schema as S  # noqa: E402

FILES = ["homes.jsonl", "train.jsonl", "val.jsonl", "test.jsonl", "val.eval.jsonl", "test.eval.jsonl"]
# The 2025-07 tests' templates, installed by scripts/setup.sh.
ALSO = os.path.join(ROOT, ".venv", "intents-2025.6.23")
SMALL = ["--train-homes", "24", "--val-homes", "4", "--test-homes", "4", "--per-home", "60", "--jobs", "1"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class GeneratedData(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dirs = {}
        more = ["--invented-names", "0.5", "--extra-train-homes", "6", "--large-homes", "0.5"]
        also = ["--also-templates", ALSO]
        for name, seed, extra in (("a", 1, []), ("b", 1, []), ("c", 2, []), ("d", 1, more), ("e", 1, also)):
            out = os.path.join(cls.tmp.name, name)
            with contextlib.redirect_stderr(io.StringIO()):  # the run's summary
                generate.main(["--seed", str(seed), "--out", out] + SMALL + extra)
            cls.dirs[name] = out
        out = cls.dirs["a"]
        cls.homes = {o["id"]: o for o in read(os.path.join(out, "homes.jsonl"))}
        # "d": made-up names in about half the training homes, and six more of them, half large.
        cls.more_homes = {o["id"]: o for o in read(os.path.join(cls.dirs["d"], "homes.jsonl"))}
        cls.lines = {s: read(os.path.join(out, f"{s}.jsonl")) for s in ("train", "val", "test")}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_seed_same_bytes_other_seed_other_data(self):
        for f in FILES:
            self.assertTrue(filecmp.cmp(os.path.join(self.dirs["a"], f), os.path.join(self.dirs["b"], f),
                                        shallow=False), f)
        self.assertFalse(filecmp.cmp(os.path.join(self.dirs["a"], "train.jsonl"),
                                     os.path.join(self.dirs["c"], "train.jsonl"), shallow=False))

    def test_homes_are_valid_for_the_swift_side(self):
        for h in list(self.homes.values()) + list(self.more_homes.values()):
            home = h["home"]
            keys = {a["id"] for a in home["areas"]} | {a["name"] for a in home["areas"]}
            texts = [a["name"] for a in home["areas"]] + sorted({a["floor"] for a in home["areas"] if a.get("floor")})
            for e in home["entities"]:
                self.assertIn(".", e["entity_id"])
                self.assertTrue(e["area"] is None or e["area"] in keys, e)
                texts += [e["name"]] + (e.get("aliases") or [])
            for t in texts:
                self.assertTrue(t and ";" not in t and t == t.strip() and "  " not in t, repr(t))
            self.assertEqual(len({t.casefold() for t in texts}), len(texts), "names unique in a home")

    def test_splits_have_disjoint_homes_and_names(self):
        for homes in (self.homes, self.more_homes):
            by_split = collections.defaultdict(set)
            for h in homes.values():
                by_split[h["split"]] |= H.home_names(h["home"])
            self.assertFalse(by_split["train"] & by_split["val"])
            self.assertFalse(by_split["train"] & by_split["test"])
        for split, lines in self.lines.items():
            self.assertTrue(all(self.homes[x["home_id"]]["split"] == split for x in lines), split)

    def test_made_up_names_and_extra_homes_leave_validation_and_test_as_they_are(self):
        for f in ("val.jsonl", "test.jsonl", "val.eval.jsonl", "test.eval.jsonl"):
            self.assertTrue(filecmp.cmp(os.path.join(self.dirs["a"], f), os.path.join(self.dirs["d"], f),
                                        shallow=False), f)
        train = [h for h in self.more_homes.values() if h["split"] == "train"]
        self.assertEqual(len(train), 24 + 6)
        invented = 0
        for h in train[:24]:
            before = self.homes[h["id"]]["home"]
            if h["home"] == before:
                continue
            invented += 1
            # Renamed areas carry made-up words, and devices named after an area follow it.
            new_areas = {a["name"] for a in h["home"]["areas"]} - {a["name"] for a in before["areas"]}
            self.assertTrue(new_areas, h["id"])
            for name in new_areas:
                self.assertNotIn(name.split(" ")[0].casefold(), H.POOL_WORDS, name)
            for old, new in zip(before["entities"], h["home"]["entities"]):
                if " " in old["name"]:  # the device word stays: the name still says what it is
                    self.assertEqual(old["name"].split(" ")[-1].casefold(), new["name"].split(" ")[-1].casefold())
                area = next((a for a in before["areas"] if a["id"] == old["area"]), None)
                if area and old["name"].startswith(area["name"] + " "):
                    new_area = next(a for a in h["home"]["areas"] if a["id"] == new["area"])
                    self.assertTrue(new["name"].startswith(new_area["name"] + " "), (old, new))
        self.assertTrue(0 < invented < 24, invented)
        # Large homes: more areas and devices than the builder gives a home otherwise.
        def size(h):
            return len(h["home"]["areas"]), len(h["home"]["entities"])

        regular = max(size(h)[1] for h in train[:24])
        self.assertTrue(any(size(h)[0] >= 6 and size(h)[1] > regular for h in train[24:]),
                        [size(h) for h in train[24:]])
        per_home = collections.Counter(x["home_id"] for x in read(os.path.join(self.dirs["d"], "train.jsonl")))
        self.assertEqual(per_home, {h["id"]: 60 for h in train})

    def test_another_releases_templates_only_add_training_commands(self):
        for f in ("val.jsonl", "test.jsonl", "val.eval.jsonl", "test.eval.jsonl", "homes.jsonl"):
            self.assertTrue(filecmp.cmp(os.path.join(self.dirs["a"], f), os.path.join(self.dirs["e"], f),
                                        shallow=False), f)
        train = read(os.path.join(self.dirs["e"], "train.jsonl"))
        homes = {o["id"]: o["home"] for o in read(os.path.join(self.dirs["e"], "homes.jsonl"))}
        older = [x for x in train if x["template"].startswith("intents-2025.6.23/")]
        self.assertTrue(0.1 * len(train) < len(older) < 0.9 * len(train), len(older))
        # Sensor questions in device-class words: the 2025-07 tests ask them, 2026.10 has no template.
        self.assertTrue(any(x["intent"] == "HassGetState" and "device_class" in x["slots"] for x in older))
        # A held-out template the older release says word for word is not trained on through it.
        _, current = generate.load_templates()
        held = generate.choose_heldout(generate.random.Random("1:heldout"), current)
        held_texts = {(t.intent, t.sentence.text) for t in current if t.id in held}
        older_texts = {t.id: (t.intent, t.sentence.text) for t in generate.load_release_templates(ALSO)[1]}
        self.assertTrue(held_texts & set(older_texts.values()), "the release shares some held-out templates")
        self.assertFalse({older_texts[x["template"]] for x in older} & held_texts)
        for x in older:
            intent, slots = S.parse(x["output"])
            self.assertEqual((intent, slots), (x["intent"], x["slots"]), x)
            self.assertIsNone(S.misfit(intent, slots, homes[x["home_id"]]), x)

    def test_a_folder_without_templates_is_refused_in_one_line(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as stop:
            generate.main(["--out", os.path.join(self.tmp.name, "never"), "--also-templates", self.tmp.name])
        self.assertIn("error: no English templates of home-assistant-intents in", str(stop.exception.code))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "never")))

    def test_shares_outside_zero_to_one_are_refused(self):
        for option in ("--invented-names", "--large-homes"):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as stop:
                generate.main(["--out", os.path.join(self.tmp.name, "never"), option, "1.5"])
            self.assertEqual(stop.exception.code, 2)
            self.assertIn(f"{option} must be between 0 and 1", err.getvalue())
            self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "never")))

    def test_heldout_templates_only_in_val_and_test(self):
        train = {x["template"] for x in self.lines["train"]}
        self.assertFalse(any(x["heldout_template"] for x in self.lines["train"]))
        held = {x["template"] for s in ("val", "test") for x in self.lines[s] if x["heldout_template"]}
        self.assertTrue(held)
        self.assertFalse(train & held)

    def test_no_home_uses_home_assistant_test_names(self):
        excluded = H.load_excluded(generate.EXCLUDED_PATH)
        self.assertIn("kitchen", excluded)
        for h in self.homes.values():
            self.assertFalse(H.home_names(h["home"]) & excluded, h["id"])

    def test_every_output_is_canonical_and_names_only_its_home(self):
        for split, lines in self.lines.items():
            for x in lines:
                intent, slots = S.parse(x["output"])
                self.assertEqual(intent, x["intent"], x)
                self.assertEqual(S.serialise(intent, slots), x["output"])
                gold = dict(x["slots"])
                if "context" in x and gold.get("area") == x["context"]["area"] and "area" not in slots:
                    del gold["area"]  # the agent adds the speaker's area after parsing
                self.assertEqual(gold, slots, x)
                self.assertIsNone(S.misfit(intent, slots, self.homes[x["home_id"]]["home"]), x)
                self.assertEqual(x["text"], x["text"].strip())

    def test_after_a_name_its_kind_is_said_as_the_grammar_says(self):
        home = {"areas": [{"id": "k", "name": "Kitchen"}], "entities": [
            {"entity_id": "light.k", "name": "Kitchen Light", "area": "k"},
            {"entity_id": "fan.k", "name": "Kitchen Fan", "area": "k"},
            {"entity_id": "scene.m", "name": "Movie Night"},
            {"entity_id": "binary_sensor.w", "name": "Kitchen Window", "area": "k", "device_class": "window"},
            {"entity_id": "sensor.t", "name": "Outside Temperature", "area": "k"}]}
        fits = [("HassTurnOn", {"name": "Kitchen Light"}), ("HassTurnOn", {"name": "Movie Night", "domain": "scene"}),
                ("HassGetState", {"name": "Kitchen Window", "domain": "binary_sensor", "device_class": "window",
                                  "state": "on"}),
                ("HassGetState", {"name": "Outside Temperature"}), ("HassGetState", {"name": "Kitchen Light", "state": "on"}),
                ("HassTurnOn", {"name": "all", "area": "Kitchen", "domain": "fan"})]
        misfits = [("HassTurnOn", {"name": "Kitchen Light", "domain": "light"}), ("HassTurnOn", {"name": "Movie Night"}),
                   ("HassGetState", {"name": "Kitchen Window", "domain": "binary_sensor", "state": "on"}),
                   ("HassGetState", {"name": "Outside Temperature", "domain": "sensor"}),
                   ("HassGetState", {"name": "Outside Temperature", "state": "on"}),
                   ("HassTurnOn", {"name": "all", "area": "Kitchen", "domain": "light"}),
                   ("HassTurnOn", {"name": "all", "area": "Kitchen"})]
        for intent, slots in fits:
            self.assertIsNone(S.misfit(intent, slots, home), (intent, slots))
        for intent, slots in misfits:
            self.assertIsNotNone(S.misfit(intent, slots, home), (intent, slots))

    def test_negatives_and_every_intent_present(self):
        lines = [x for s in self.lines.values() for x in s]
        counts = collections.Counter(x["intent"] for x in lines)
        self.assertGreater(counts[None], 0.05 * len(lines))
        self.assertLess(counts[None], 0.2 * len(lines))
        kinds = {x["template"] for x in lines if x["intent"] is None}
        self.assertEqual(kinds, {"none:chat", "none:missing"})
        for intent in S.INTENTS:
            self.assertIn(intent, counts, intent)

    def test_context_lines_only_in_val_and_test(self):
        self.assertFalse(any("context" in x for x in self.lines["train"]))
        self.assertTrue(any("context" in x for s in ("val", "test") for x in self.lines[s]))

    def test_eval_files_carry_their_home(self):
        for split in ("val", "test"):
            lines = read(os.path.join(self.dirs["a"], f"{split}.eval.jsonl"))
            per_home = collections.Counter(json.dumps(x["local_home"], sort_keys=True) for x in lines)
            self.assertEqual(len(per_home), 4)
            self.assertLessEqual(max(per_home.values()), generate.EVAL_LINES_PER_HOME)
            self.assertTrue(all(x["home"] == "local" and set(x) >= {"text", "intent", "slots"} for x in lines))


class Other(unittest.TestCase):
    def test_serialise_matches_output_syntax(self):
        self.assertEqual(S.serialise("HassClimateSetTemperature", {"temperature": 20.5, "name": "Heat Pump"}),
                         "HassClimateSetTemperature name Heat Pump; temperature 20.5")
        self.assertEqual(S.serialise("HassLightSet", {"brightness": 40.0, "area": "Den"}),
                         "HassLightSet area Den; brightness 40")
        self.assertEqual(S.serialise(None, {}), "none")
        self.assertEqual(S.parse("HassNevermind"), ("HassNevermind", {}))
        with self.assertRaises(ValueError):
            S.parse("HassTurnOn name")

    def test_prompt_matches_the_committed_fixture(self):
        with open(os.path.join(ROOT, "Tests/Fixtures/intents/home.json"), encoding="utf-8") as f:
            home = json.load(f)
        with open(os.path.join(ROOT, "Tests/Fixtures/intents/prompt_no_examples.txt"), encoding="utf-8") as f:
            fixture = f.read()
        prefix, suffix = prompt.prompt_parts(home)
        self.assertEqual(prefix + prompt.COMMAND_MARKER + suffix, fixture)

    def test_both_jsonl_forms_are_read(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "mixed.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps({"instruction": "turn on the den lamp", "output": "HassTurnOn name Den Lamp"}) + "\n")
                f.write(json.dumps({"instruction": "translate", "input": "hola", "output": "hello"}) + "\n")
                f.write(json.dumps({"text": "who wrote dune", "intent": None, "slots": {}, "output": "none",
                                    "home_id": "h"}) + "\n")
            records = list(dataset_io.read_jsonl(path, homes={"h": {"areas": [], "entities": []}}))
        self.assertEqual([r.text for r in records], ["turn on the den lamp", "translate\nhola", "who wrote dune"])
        self.assertEqual((records[0].intent, records[0].slots), ("HassTurnOn", {"name": "Den Lamp"}))
        self.assertEqual((records[1].intent, records[1].output), (None, "hello"))
        self.assertEqual((records[2].intent, records[2].output, records[2].home), (None, "none", {"areas": [], "entities": []}))


if __name__ == "__main__":
    unittest.main()
