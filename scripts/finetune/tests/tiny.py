"""A tiny random Llama with SmolLM2's tokenizer, for smoke tests of the training scripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TOKENIZER = REPO / "Tests" / "Fixtures" / "tokenizer" / "smollm2"


def make_tiny_model(out: Path, seed: int = 0) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=49152, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=2048,
                         rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(config)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    shutil.copy(TOKENIZER / "tokenizer.json", out / "tokenizer.json")
    template = json.loads((TOKENIZER / "tokenizer_config.json").read_text())["chat_template"]
    (out / "chat_template.jinja").write_text(template)
    return out
