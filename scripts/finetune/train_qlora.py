#!/usr/bin/env python3
"""LoRA fine-tuning of a Hugging Face model on intent lines (QLoRA: the base in 4 bits, where a CUDA GPU
and bitsandbytes are present). Writes a PEFT adapter folder; `merge_lora.py` folds it into the base.

    .venv/bin/python scripts/finetune/train_qlora.py --base-model models/smollm2-135m-hf \\
        --dataset data/intents/train.jsonl --validation data/intents/val.jsonl --output runs/lora
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch

import training

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    training.add_arguments(parser)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=int, default=32)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--qlora", choices=["auto", "on", "off"], default="auto",
                        help="4-bit base weights (bitsandbytes, CUDA only); auto: when both are there")
    args = parser.parse_args()

    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    use_4bit = args.qlora == "on" or (args.qlora == "auto" and torch.cuda.is_available() and has_bitsandbytes())
    if use_4bit and not (torch.cuda.is_available() and has_bitsandbytes()):
        print("error: --qlora on needs a CUDA GPU and the bitsandbytes package", file=sys.stderr)
        return 1
    if use_4bit:
        from peft import prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig

        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                   bnb_4bit_compute_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_pretrained(args.base_model, quantization_config=quant)
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    else:
        model = AutoModelForCausalLM.from_pretrained(args.base_model, dtype=torch.float32)
    print(f"{'QLoRA (4-bit base)' if use_4bit else 'LoRA'} rank {args.rank}", file=sys.stderr)
    lora = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=args.dropout, target_modules=TARGETS,
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)

    def save(m, out: Path):
        m.save_pretrained(out)

    training.train(model, args, training.cross_entropy, save)
    return 0


def has_bitsandbytes() -> bool:
    try:
        import bitsandbytes  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    sys.exit(main())
