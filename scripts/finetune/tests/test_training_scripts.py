"""Smoke tests of the fine-tuning scripts on a tiny random model (make test-train): each script runs
end to end as a user runs it, and what it writes is checked for what it must be."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parent
REPO = SCRIPTS.parents[1]
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(HERE))

import ternary  # noqa: E402
from dataset import TokenizedSet, load_dataset  # noqa: E402
from tiny import make_tiny_model  # noqa: E402


def run(script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if result.returncode != 0:
        raise AssertionError(f"{script} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def convert(source: Path, out: Path, *options: str) -> None:
    """The engine's converter (make test-train builds it)."""
    binary = REPO / ".build" / "release" / "edgellm"
    if not binary.exists():
        raise AssertionError(f"{binary} is missing: make build")
    result = subprocess.run([str(binary), "convert", str(source), "-o", str(out), *options],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"edgellm convert failed: {result.stderr[-2000:]}")


def logits(model, ids):
    model.eval()
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0]


class TrainingScriptsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls.tmp.name)
        cls.base = make_tiny_model(cls.root / "base")
        cls.data = cls.root / "instructions.jsonl"
        with open(cls.data, "w") as f:
            for i in range(24):
                f.write(json.dumps({"instruction": f"turn on lamp {i}", "output": f"HassTurnOn name Lamp {i}"}) + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def expect_one_line_error(self, script_and_args: list[str], text: str) -> None:
        """The script fails with exit status 1 and one line on stderr that says `text`."""
        script, *args = script_and_args
        result = subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True)
        self.assertEqual(result.returncode, 1, args)
        self.assertIn(text, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)

    def assert_same_layers(self, a_dir: Path, b_dir: Path) -> None:
        """Two exports hold the same packed codes, norms and (to float rounding) scales."""
        from safetensors.numpy import load_file

        for shard in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
            a, b = load_file(str(a_dir / shard)), load_file(str(b_dir / shard))
            self.assertEqual(set(a), set(b), shard)
            for k in a:
                if k.endswith("weight_scale"):
                    self.assertAlmostEqual(float(a[k][0]), float(b[k][0]), delta=1e-6 * abs(float(a[k][0])), msg=k)
                else:
                    self.assertTrue((a[k] == b[k]).all(), k)

    def common(self, out: Path) -> list[str]:
        return ["--base-model", str(self.base), "--dataset", str(self.data), "--validation", str(self.data),
                "--output", str(out), "--steps", "4", "--batch-size", "4", "--eval-every", "2", "--warmup", "1"]

    def test_tokenized_set_round_trips_and_targets_end_with_end_of_turn(self):
        from tokenizers import Tokenizer

        data = load_dataset(self.data, self.base)
        self.assertEqual(len(data), 24)
        end_of_turn = 2  # <|im_end|> in SmolLM2's vocabulary
        self.assertTrue(all(t[-1] == end_of_turn for t in data.targets))
        # The instruction is the user's turn, between the chat template's markers.
        tokenizer = Tokenizer.from_file(str(self.base / "tokenizer.json"))
        prompt = tokenizer.decode(list(data.prefixes[data.home[3]]) + list(data.prompts[3]), skip_special_tokens=False)
        self.assertIn("<|im_start|>user\nturn on lamp 3<|im_end|>\n<|im_start|>assistant\n", prompt)
        self.assertEqual(tokenizer.decode(list(data.targets[3][:-1])), "HassTurnOn name Lamp 3")
        path = self.root / "set.npz"
        data.save(path)
        again = TokenizedSet.load(path)
        self.assertEqual([p.tolist() for p in again.prompts], [p.tolist() for p in data.prompts])
        self.assertEqual([t.tolist() for t in again.targets], [t.tolist() for t in data.targets])

    def test_lora_then_merge_gives_the_adapted_model(self):
        from peft import PeftModel
        from transformers import AutoModelForCausalLM

        lora, merged = self.root / "lora", self.root / "merged"
        run("train_qlora.py", *self.common(lora), "--lr", "5e-2", "--qlora", "off")
        self.assertTrue((lora / "adapter_model.safetensors").exists())
        log = [json.loads(line) for line in open(lora / "train_log.jsonl")]
        self.assertTrue(any("validation" in r for r in log))
        run("merge_lora.py", "--base-model", str(self.base), "--lora-path", str(lora), "--output", str(merged))
        ids = [1, 400, 2000, 17, 9]
        base = AutoModelForCausalLM.from_pretrained(self.base, dtype=torch.float32)
        before = logits(base, ids)
        adapted = logits(PeftModel.from_pretrained(base, lora), ids)
        after = logits(AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32), ids)
        self.assertGreater((adapted - before).abs().max().item(), 1e-3)  # training changed something
        self.assertLess((after - adapted).abs().max().item(), 1e-4)  # and the merge kept it

    def test_merge_reports_a_missing_adapter(self):
        result = subprocess.run([sys.executable, str(SCRIPTS / "merge_lora.py"), "--base-model", str(self.base),
                                 "--lora-path", str(self.root / "nowhere"), "--output", str(self.root / "x")],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no LoRA adapter", result.stderr)

    def test_ternary_qat_exports_what_it_trained(self):
        out = self.root / "qat"
        run("train_ternary_qat.py", *self.common(out), "--teacher", str(self.base), "--lr", "1e-2")
        index = json.loads((out / "model.safetensors.index.json").read_text())
        packed = [k for k in index["weight_map"] if k.endswith("weight_scale")]
        self.assertEqual(len(packed), 2 * 7)  # two layers of seven linears
        config = json.loads((out / "config.json").read_text())
        self.assertEqual(config["quantization_config"]["quant_method"], "bitnet")
        model = ternary.load_exported(out)
        for name, module in model.named_modules():
            if isinstance(module, ternary.TernaryLinear):
                values = module.weight.detach().abs().unique()
                self.assertLessEqual(len(values), 2, name)  # 0 and one magnitude
        # The embedding is the base's, frozen at its Q4_0 values; restore-embedding rebuilds it.
        from safetensors.numpy import load_file

        trained = load_file(str(out / "embedding.safetensors"))
        (out / "embedding.safetensors").unlink()
        subprocess.run([sys.executable, str(SCRIPTS / "ternary.py"), "restore-embedding", "--base-model",
                        str(self.base), "--model", str(out)], check=True)
        rebuilt = load_file(str(out / "embedding.safetensors"))
        for k in trained:
            self.assertTrue((trained[k] == rebuilt[k]).all(), k)

    def test_a_shared_prefix_gives_the_logits_and_gradients_of_whole_sequences(self):
        import training
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(self.base, dtype=torch.float32)
        data = load_dataset(self.data, self.base)
        batches = training.Batches(data, 4, 0, 0)
        indices = [0, 5, 11, 17]  # instructions of different lengths: rows are padded
        results = []
        for shared in (False, True):
            model.zero_grad()
            batch = batches.sequences(indices, shared_prefix=shared)
            self.assertEqual(batch.prefix is not None, shared)
            logits, gold = training.target_logits(model, batch)
            torch.nn.functional.cross_entropy(logits, gold).backward()
            grad = model.model.layers[0].self_attn.q_proj.weight.grad.clone()
            results.append((logits.detach(), gold, grad))
        (whole, gold_whole, grad_whole), (shared, gold_shared, grad_shared) = results
        self.assertTrue(torch.equal(gold_whole, gold_shared))
        self.assertLess((whole - shared).abs().max().item(), 1e-4)
        self.assertGreater(grad_whole.abs().max().item(), 0)
        self.assertLess((grad_whole - grad_shared).abs().max().item(), 1e-5)

    def test_shared_prefix_batches_take_one_home_each(self):
        import numpy as np
        import training

        homes = np.array([0, 1, 0, 1, 0, 0])
        # Each command names its home (9 or 8), so a row shows which home it came from.
        data = TokenizedSet([np.array([1, 2]), np.array([3])], homes,
                            [np.array([9 - h]) for h in homes], [np.array([2])] * 6)
        batches = training.Batches(data, 3, 0, 0, shared_prefix=True)
        prefixes = set()
        for _ in range(8):
            batch = batches.next()
            home = 0 if batch.prefix.tolist() == [1, 2] else 1
            self.assertEqual(batch.prefix.tolist(), [[1, 2], [3]][home])
            self.assertLessEqual(batch.ids.shape[0], 3)
            self.assertEqual(set(batch.ids[:, 0].tolist()), {9 - home})
            prefixes.add(home)
        self.assertEqual(prefixes, {0, 1})

    def test_qat_continues_from_an_export_exactly(self):
        first = self.root / "qat-first"
        run("train_ternary_qat.py", *self.common(first), "--lr", "1e-2")
        model = ternary.load_exported(first)
        ternary.make_latent(model)
        again = self.root / "qat-again"
        ternary.export(model, first, again)
        self.assert_same_layers(first, again)
        # The script takes an export as its base and trains on with shared-prefix batches.
        out = self.root / "qat-continued"
        run("train_ternary_qat.py", "--base-model", str(first), "--dataset", str(self.data), "--output", str(out),
            "--steps", "2", "--batch-size", "4", "--warmup", "1", "--shared-prefix", "--lr", "1e-2")
        self.assertTrue((out / "model.safetensors.index.json").exists())

    def test_a_tm2_file_reads_back_as_the_export_it_was_converted_from(self):
        import numpy as np
        import tm2
        from safetensors.numpy import load_file

        fixture = REPO / "Tests/Fixtures/models/tiny-llama-qat"
        converted = self.root / "tiny-qat.tm2.bin"
        convert(fixture, converted, "--weights", "ternary", "--head", "q4_0")
        back = self.root / "tiny-qat-back"
        tm2.to_export(converted, back)
        want, got = {}, {}
        for f in fixture.glob("*.safetensors"):
            want.update(load_file(str(f)))
        for f in back.glob("*.safetensors"):
            got.update(load_file(str(f)))
        self.assertEqual(set(want), set(got))
        for k, v in want.items():
            if "embed_tokens" in k:  # stored as Q4_0: its values are the fixture's through Q4_0
                v = ternary.q4_0_round_trip(torch.from_numpy(v)).numpy()
            self.assertEqual(got[k].dtype, v.dtype, k)
            self.assertTrue(np.array_equal(got[k], v), k)
        # Training takes the .tm2.bin itself; with no steps it exports the same codes and scales.
        data = TokenizedSet([np.array([1, 5, 9])], np.zeros(4, np.int64),
                            [np.array([20 + i, 7]) for i in range(4)], [np.array([30 + i, 2]) for i in range(4)])
        data.save(self.root / "tiny-ids.npz")
        out = self.root / "from-tm2"
        run("train_ternary_qat.py", "--base-model", str(converted), "--dataset", str(self.root / "tiny-ids.npz"),
            "--output", str(out), "--steps", "0", "--batch-size", "2", "--compile", "off")
        self.assert_same_layers(back, out)

    def test_tm2_errors_are_one_line(self):
        not_tm2 = self.root / "not.tm2.bin"
        not_tm2.write_bytes(b"GGUF" + bytes(60))
        q8 = self.root / "tiny-q8.tm2.bin"
        convert(REPO / "Tests/Fixtures/models/tiny-llama-qat", q8, "--weights", "q8_0")
        for path, text in ((not_tm2, "is not a TM2 file"), (q8, "is not ternary"),
                           (self.root / "missing.tm2.bin", "No such file")):
            self.expect_one_line_error(["tm2.py", str(path), str(self.root / "x")], text)

    def test_compiled_quantizers_compute_what_the_eager_ones_do(self):
        torch.manual_seed(5)
        x, w = torch.randn(3, 17, 64) * 4, torch.randn(48, 64) * 0.05
        eager = ternary.int8_activations(x), ternary.ternary_weight(w)
        eager_function = ternary.int8_activations
        restore = ternary.compile_quantizers()
        try:
            compiled = ternary.int8_activations(x), ternary.ternary_weight(w)
        finally:
            restore()
        self.assertTrue(torch.equal(eager[0], compiled[0]))
        # w + (q - w) rounds in the last bit either way; both are the ternary values to 1e-6.
        codes, s = ternary.ternary_codes(w)
        self.assertLess((compiled[1] - codes * s).abs().max().item(), 1e-6 * s.item())
        self.assertLess((eager[1] - codes * s).abs().max().item(), 1e-6 * s.item())
        self.assertIs(ternary.int8_activations, eager_function)  # restore() put the eager ones back

    def test_torch_cross_check_reads_our_form_and_the_engine_predictions(self):
        home = json.loads((REPO / "Tests/Fixtures/intents/home.json").read_text())
        folder = self.root / "cross-check"
        folder.mkdir(exist_ok=True)
        (folder / "homes.jsonl").write_text(json.dumps({"id": "h", "split": "test", "home": home}) + "\n")
        lines = [("turn on the lounge lights", "HassTurnOn area Lounge; domain light"), ("what's up", "none")]
        (folder / "test.jsonl").write_text("".join(
            json.dumps({"text": t, "output": o, "home_id": "h"}) + "\n" for t, o in lines))
        report = json.loads(run("eval_torch.py", "--model", str(self.base), "--dataset", str(folder / "test.jsonl")))
        self.assertEqual(report["n"], 2)
        self.assertEqual(report["kind"], "float32")
        self.assertIn(report["line_exact"], (0, 0.5, 1))  # a random model: whatever it says, counted per line
        # Predictions of other examples are refused rather than compared.
        other = folder / "other.pred.jsonl"
        other.write_text(json.dumps({"text": "something else", "output": "none"}) + "\n")
        result = subprocess.run([sys.executable, str(SCRIPTS / "eval_torch.py"), "--model", str(self.base),
                                 "--dataset", str(folder / "test.jsonl"), "--engine", str(other)],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 1)
        self.assertIn("not of the same examples", result.stderr)

    def test_bad_datasets_fail_with_one_line(self):
        bad = self.root / "bad.jsonl"
        bad.write_text('{"instruction": "lamp on", "output": "HassTurnOn name Lamp"}\nnot json\n')
        unknown_home = self.root / "unknown-home.jsonl"
        unknown_home.write_text('{"text": "lamp on", "output": "none", "home_id": "nowhere"}\n')
        for path, text in ((bad, "bad.jsonl:2:"), (unknown_home, "names home 'nowhere'"),
                           (self.root / "missing.jsonl", "no such dataset")):
            self.expect_one_line_error(["dataset.py", "--base-model", str(self.base), "--dataset", str(path),
                                        "--out", str(self.root / "x.npz")], text)

    def test_q4_0_round_trip_is_idempotent(self):
        torch.manual_seed(3)
        w = torch.randn(8, 64)
        once = ternary.q4_0_round_trip(w)
        self.assertTrue(torch.equal(ternary.q4_0_round_trip(once), once))
        self.assertGreater((once - w).abs().max().item(), 0)


if __name__ == "__main__":
    unittest.main()
