"""Checks of ha_coverage.py on a two-sentence benchmark written here (the real one is in
../shared, which a clone does not have):

    .venv/bin/python -m unittest discover -s scripts/data/tests -v
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

DATA = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, DATA)

import ha_coverage  # noqa: E402

HOME = {"areas": [{"id": "study", "name": "Study"}],
        "entities": [{"entity_id": "light.study_lamp", "name": "Study Lamp", "area": "study"}]}
SENTENCES = [
    {"text": "turn on the study lamp", "intent": "HassTurnOn", "slots": {"name": "Study Lamp"},
     "source": "tests/en/light_HassTurnOn.yaml", "home": "fixture"},
    {"text": "what is the meaning of life", "intent": "HassTurnOn", "slots": {"name": "Study Lamp"},
     "source": "tests/en/light_HassTurnOn.yaml", "home": "fixture"},
    {"text": "turn on the study lamp", "intent": "HassTurnOn", "slots": {"name": "Study Lamp", "area": "Study"},
     "source": "tests/en/light_HassTurnOn.yaml", "home": "fixture"},
]


class Coverage(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        with open(os.path.join(self.tmp.name, "home.json"), "w", encoding="utf-8") as f:
            json.dump(HOME, f)
        with open(os.path.join(self.tmp.name, "sentences.jsonl"), "w", encoding="utf-8") as f:
            f.writelines(json.dumps(s) + "\n" for s in SENTENCES)

    def tearDown(self):
        self.tmp.cleanup()

    def run_tool(self, *args):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ha_coverage.main(list(args))
        return out.getvalue()

    def test_counts_each_outcome(self):
        report = self.run_tool(self.tmp.name, "--show", "5")
        self.assertIn("3 sentences", report)
        self.assertIn("  covered: 1\n", report)
        self.assertIn("  parsed, other slots: 1\n", report)  # the gold has an area the words do not say
        self.assertIn("  not parsed: 1\n", report)
        self.assertIn("tests/en/light_HassTurnOn.yaml: 1 / 3", report)
        self.assertIn("[not parsed] 'what is the meaning of life'", report)

    def test_bad_folders_are_refused_in_one_line(self):
        for args, message in (([os.path.join(self.tmp.name, "missing")], "error: cannot read the benchmark in"),
                              ([self.tmp.name, "--also-templates", self.tmp.name],
                               "error: no English templates of home-assistant-intents in")):
            with self.assertRaises(SystemExit) as stop, contextlib.redirect_stdout(io.StringIO()):
                ha_coverage.main(args)
            self.assertIn(message, str(stop.exception.code))
            self.assertNotIn("\n", str(stop.exception.code))


if __name__ == "__main__":
    unittest.main()
