#!/usr/bin/env python3
"""Quantization-aware fine-tuning to BitNet b1.58: every block linear (the ones `edgellm convert
--weights ternary` makes ternary) runs with absmean ternary weights and per-token int8 activations,
exactly as the engine computes them, with straight-through gradients; the embedding (tied with the
head) is frozen as Q4_0. Optionally distils from a floating-point teacher (the LoRA-merged model).
Exports a Hugging Face folder of packed ternary weights for `edgellm convert --weights ternary
--embedding q4_0`.

    .venv/bin/python scripts/finetune/train_ternary_qat.py --base-model runs/merged --teacher runs/merged \\
        --dataset data/intents/train.jsonl --validation data/intents/val.jsonl --output runs/ternary

--base-model may also be an earlier export (a folder this script wrote) or a ternary `.tm2.bin`
(the shipped model): training then continues from exactly its ternary weights.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
import torch.nn.functional as F

import ternary
import training


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    training.add_arguments(parser)
    parser.add_argument("--teacher", type=Path, help="floating-point model to distil from (default: none)")
    parser.add_argument("--distill-weight", type=float, default=1.0, help="weight of KL(teacher || student)")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--layer-shards", type=int, default=2, help="files the layers are written to")
    parser.add_argument("--compile", choices=["auto", "on", "off"], default="auto",
                        help="torch.compile the fake-quant functions (auto: on a CUDA GPU)")
    args = parser.parse_args()

    from transformers import AutoModelForCausalLM

    if args.base_model.is_file() and args.base_model.name.endswith(".tm2.bin"):
        import tm2

        start = args.output / "start"
        try:
            tm2.to_export(args.base_model, start)
        except (tm2.TM2Error, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        args.base_model = start
    if ternary.is_export(args.base_model):
        # Continue training an earlier export (e.g. the shipped model's folder).
        model = ternary.load_exported(args.base_model, attention="sdpa")
        ternary.make_latent(model)
        n = sum(isinstance(m, ternary.TernaryLinear) for m in model.modules())
    else:
        model = AutoModelForCausalLM.from_pretrained(args.base_model, dtype=torch.float32)
        n = ternary.ternarize(model)
    ternary.freeze_embedding_as_q4_0(model)
    print(f"{n} ternary linears, embedding frozen as Q4_0", file=sys.stderr)

    device, _ = training.device_and_dtype()
    teacher = None
    if args.teacher:
        teacher = AutoModelForCausalLM.from_pretrained(args.teacher, dtype=torch.bfloat16 if device.type == "cuda"
                                                       else torch.float32).to(device).eval()
        teacher.requires_grad_(False)

    def loss_fn(m, batch):
        logits, gold = training.target_logits(m, batch)
        loss = F.cross_entropy(logits, gold)
        if teacher is not None:
            with torch.no_grad():
                teacher_logits, _ = training.target_logits(teacher, batch)
            t = args.temperature
            kl = F.kl_div(F.log_softmax(logits / t, -1), F.log_softmax(teacher_logits / t, -1),
                          log_target=True, reduction="batchmean") * t * t
            loss = loss + args.distill_weight * kl
        return loss

    def save(m, out: Path):
        ternary.export(m, args.base_model, out, layer_shards=args.layer_shards)

    def warm_up(m, batch):
        """Compiles the quantizers on a first batch, for training and for validation (no_grad);
        the eager ones stay if compilation fails."""
        restore = ternary.compile_quantizers()
        try:
            loss_fn(m, batch).backward()
            m.eval()
            with torch.no_grad():
                loss_fn(m, batch)
            m.train()
        except Exception as e:  # noqa: BLE001 - any compiler failure leaves eager training, which works
            m.train()
            restore()
            print(f"warning: torch.compile failed ({type(e).__name__}: {str(e).splitlines()[0][:200]}); "
                  "training eagerly", file=sys.stderr)

    use_compile = args.compile == "on" or (args.compile == "auto" and device.type == "cuda")
    training.train(model, args, loss_fn, save, warm_up=warm_up if use_compile else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
