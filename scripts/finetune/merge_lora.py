#!/usr/bin/env python3
"""Folds a LoRA adapter into its base model and writes a plain Hugging Face folder (float32
safetensors, tokenizer), ready for `edgellm convert` or for `train_ternary_qat.py`.

    .venv/bin/python scripts/finetune/merge_lora.py --base-model models/smollm2-135m-hf \\
        --lora-path runs/lora --output runs/merged
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def merge(base_model: Path, lora_path: Path, output: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from ternary import copy_tokenizer

    base = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.float32)
    merged = PeftModel.from_pretrained(base, lora_path).merge_and_unload()
    output.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(output, max_shard_size="2GB")
    copy_tokenizer(base_model, output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-model", type=Path, required=True)
    parser.add_argument("--lora-path", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    for path, what in ((args.base_model / "config.json", "base model"), (args.lora_path / "adapter_config.json", "LoRA adapter")):
        if not path.exists():
            print(f"error: no {what} at {path.parent} ({path.name} missing)", file=sys.stderr)
            return 1
    merge(args.base_model, args.lora_path, args.output)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
