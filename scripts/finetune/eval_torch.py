#!/usr/bin/env python3
"""The PyTorch cross-check of `edgellm eval --unconstrained`: the same examples, the same token
ids (dataset.py tokenizes as the agent does), greedy decoding in transformers, the line compared
with the gold line and, given the engine's predictions, with the engine's line.

A QAT export (a folder train_ternary_qat.py wrote) runs as its fake-quant model, the arithmetic
the engine's ternary kernels implement; any other folder runs as it is (float32).

    .venv/bin/python scripts/finetune/eval_torch.py --model runs/gpu-1/ternary \\
        --dataset .run/data/intents/test.eval.jsonl --limit 100 \\
        --engine runs/eval/qat.test.free.pred.jsonl   # edgellm eval --unconstrained --predictions
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch

import ternary
from dataset import END_OF_TURN, ExampleEncoder, read_records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="Hugging Face folder, or a QAT export")
    parser.add_argument("--dataset", type=Path, required=True,
                        help="our JSONL form (homes.jsonl beside it) or edgellm eval's (*.eval.jsonl: homes inline)")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--engine", type=Path, help="edgellm eval --unconstrained --predictions file, same order")
    parser.add_argument("--max-tokens", type=int, default=48, help="the recognizer's output budget")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if not (args.model / "config.json").exists():
        print(f"error: no such file: {args.model / 'config.json'}", file=sys.stderr)
        return 1

    from transformers import AutoModelForCausalLM

    records = read_records(args.dataset)[:args.limit]
    engine = None
    if args.engine:
        engine = [json.loads(line) for line in open(args.engine, encoding="utf-8") if line.strip()][:len(records)]
        if [e["text"] for e in engine] != [r.text for r in records[:len(engine)]]:
            print(f"error: {args.engine} is not of the same examples in the same order", file=sys.stderr)
            return 1

    encoder = ExampleEncoder(args.model)
    data = encoder.tokenize(records)
    if ternary.is_export(args.model):
        model, kind = ternary.load_exported(args.model, attention="sdpa"), "QAT export, fake-quant"
    else:
        model, kind = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32), "float32"
    model.eval()

    exact = agree = 0
    disagreements = []
    for i, r in enumerate(records):
        ids = torch.tensor([list(data.prefixes[data.home[i]]) + list(data.prompts[i])])
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.max_tokens,
                                 do_sample=False, eos_token_id=encoder.end_of_turn, pad_token_id=encoder.end_of_turn)
        line = encoder.tokenizer.decode(out[0, ids.shape[1]:].tolist(), skip_special_tokens=False)
        line = line.split(END_OF_TURN)[0].strip()
        exact += line == r.output
        if engine is not None and i < len(engine):
            same = line == engine[i]["output"].strip()
            agree += same
            if not same and len(disagreements) < 5:
                disagreements.append({"text": r.text, "torch": line, "engine": engine[i]["output"]})
    n = len(records)
    report = {"model": str(args.model), "kind": kind, "n": n, "line_exact": round(exact / max(n, 1), 4)}
    if engine is not None:
        report["agreement_with_engine"] = round(agree / max(len(engine), 1), 4)
        report["engine_n"] = len(engine)
        report["disagreements"] = disagreements
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
