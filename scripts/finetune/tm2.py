"""Reads a `.tm2.bin` file (docs/tm2-format.md) back into an exported ternary folder, the form
`train_ternary_qat.py --base-model` continues from.

Why: a QAT run brings back only its packed layers, and a clone has only the shipped `.tm2.bin`.
Reading the file lets training continue from exactly the model the agent runs: the ternary codes
and per-tensor scales as stored, the Q4_0 embedding as its dequantized values (which the training's
Q4_0 round trip gives back unchanged). Llama files with per-tensor ternary block linears only —
what the converter writes from a QAT export.

    .venv/bin/python scripts/finetune/tm2.py models/edgellm-home-135m.tm2.bin OUT_DIR
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

MAGIC = b"TM2\x00"
F32, F16, Q8_0, Q4_0, TERNARY = range(5)

# GGUF-style tensor names (Sources/EdgeLLMModelFile/TensorNames.swift) to Hugging Face Llama names.
GLOBAL_NAMES = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
                "output.weight": "lm_head.weight"}
BLOCK_NAMES = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
               "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
               "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
               "ffn_down": "mlp.down_proj"}


class TM2Error(Exception):
    pass


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.data):
            raise TM2Error("Invalid model format: file is truncated")
        value = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return value[0] if len(value) == 1 else value

    def string(self, length_fmt: str) -> str:
        n = self.take(length_fmt)
        if self.offset + n > len(self.data):
            raise TM2Error("Invalid model format: file is truncated")
        try:
            s = self.data[self.offset:self.offset + n].decode("utf-8")
        except UnicodeDecodeError:
            raise TM2Error(f"Invalid model format: a string at offset {self.offset} is not UTF-8") from None
        self.offset += n
        return s

    def value(self):
        kind = self.take("<B")
        if kind == 0:
            return self.take("<B") != 0
        if kind == 1:
            return self.take("<q")
        if kind == 2:
            return self.take("<d")
        if kind == 3:
            return self.string("<Q")
        if kind == 4:
            return [self.string("<Q") for _ in range(self.take("<Q"))]
        if kind == 5:
            n = self.take("<Q")
            return list(self.take(f"<{n}i")) if n > 1 else [self.take("<i")] if n == 1 else []
        raise TM2Error(f"Invalid model format: unknown metadata kind {kind}")


def read(path: Path) -> tuple[dict, dict[str, tuple[int, list[int], int, memoryview]]]:
    """The metadata and, per tensor, (type, shape, scale count, its bytes)."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise TM2Error(f"Invalid model format: {path} is not a TM2 file")
    r = _Reader(data)
    r.offset = 4
    version, n_meta, n_tensors, data_offset, file_size, _ = r.take("<IQQQQQ")
    if version != 1:
        raise TM2Error(f"Invalid model format: TM2 version {version} is not supported")
    if file_size != len(data):
        raise TM2Error(f"Invalid model format: file size {len(data)}, header says {file_size}")
    metadata = {}
    for _ in range(n_meta):
        key = r.string("<I")
        metadata[key] = r.value()
    view = memoryview(data)
    tensors = {}
    for _ in range(n_tensors):
        name = r.string("<I")
        kind, ndim = r.take("<II")
        if kind > TERNARY or ndim not in (1, 2):
            raise TM2Error(f"Invalid model format: tensor {name} has type {kind} and {ndim} dimensions")
        shape = [r.take("<Q") for _ in range(ndim)]
        scales, offset, size = r.take("<QQQ")
        if kind == TERNARY and (ndim != 2 or scales not in (1, shape[0])):
            raise TM2Error(f"Invalid model format: ternary tensor {name} needs 2 dimensions and 1 or one-per-row scales")
        expected = expected_size(kind, shape, scales)
        if size != expected:
            raise TM2Error(f"Invalid model format: tensor {name} {shape} should take {expected} bytes, not {size}")
        start = data_offset + offset
        if start + size > len(data):
            raise TM2Error(f"Invalid model format: tensor {name} lies outside the file")
        tensors[name] = (kind, shape, scales, view[start:start + size])
    return metadata, tensors


def _rows_cols(shape: list[int]) -> tuple[int, int]:
    """A vector is one row."""
    return (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])


def _blocks(raw: memoryview, rows: int, cols: int, block_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    b = np.frombuffer(raw, np.uint8).reshape(rows, cols // 32, block_bytes)
    d = b[:, :, :2].copy().view(np.float16).astype(np.float32)  # (rows, blocks, 1)
    return d, b[:, :, 2:]


def expected_size(kind: int, shape: list[int], scale_count: int) -> int:
    """Bytes a tensor of this type and shape takes (TM2Writer's rule)."""
    rows, cols = _rows_cols(shape)
    if kind in (Q8_0, Q4_0, TERNARY) and cols % 32:
        raise TM2Error(f"Invalid model format: rows of {cols} do not split into blocks of 32")
    row = {F32: 4 * cols, F16: 2 * cols, Q8_0: cols // 32 * 34, Q4_0: cols // 32 * 18, TERNARY: cols // 4}[kind]
    return rows * row + (4 * scale_count if kind == TERNARY else 0)


def dequantize(kind: int, shape: list[int], raw: memoryview) -> np.ndarray:
    """f32, f16, Q8_0 or Q4_0 values as float32."""
    rows, cols = _rows_cols(shape)
    if kind == F32:
        return np.frombuffer(raw, np.float32).reshape(shape).copy()
    if kind == F16:
        return np.frombuffer(raw, np.float16).astype(np.float32).reshape(shape)
    if kind == Q8_0:
        d, q = _blocks(raw, rows, cols, 34)
        return (q.view(np.int8).astype(np.float32) * d).reshape(shape)
    if kind == Q4_0:
        d, q = _blocks(raw, rows, cols, 18)
        low, high = (q & 15).astype(np.float32) - 8, (q >> 4).astype(np.float32) - 8
        return (np.concatenate([low, high], axis=2) * d).reshape(shape)
    raise TM2Error(f"tensor type {kind} cannot be dequantized here")


def ternary_codes(shape: list[int], scale_count: int, raw: memoryview) -> tuple[np.ndarray, float]:
    """The tensor's values in {-1, 0, 1} and its one scale. In each block of 32 weights (8 bytes),
    byte j holds weights j, j+8, j+16, j+24 in bits 0-1, 2-3, 4-5, 6-7, as code = value + 1."""
    rows, cols = shape
    if scale_count != 1:
        raise TM2Error("per-row ternary scales have no place in an exported folder (one weight_scale a tensor)")
    code_bytes = rows * cols // 4
    b = np.frombuffer(raw[:code_bytes], np.uint8).reshape(rows, cols // 32, 8)
    codes = np.stack([(b >> (2 * k)) & 3 for k in range(4)], axis=2)  # (rows, blocks, 4, 8): weight 8k + j
    if (codes == 3).any():
        raise TM2Error("Invalid model format: ternary code 3 (unused) in a tensor")
    values = codes.reshape(rows, cols).astype(np.int8) - 1
    scale = float(np.frombuffer(raw[code_bytes:code_bytes + 4], np.float32)[0])
    return values, scale


def hf_config(metadata: dict) -> dict:
    """config.json for transformers' Llama from the file's hyper-parameters."""
    arch = metadata.get("general.architecture")
    if arch != "llama":
        raise TM2Error(f"only Llama models can be read back for training, not {arch}")
    if "model.rope_scaling.type" in metadata:
        raise TM2Error("models with RoPE scaling cannot be read back for training")

    def m(key):
        if f"model.{key}" not in metadata:
            raise TM2Error(f"Invalid model format: no model.{key} in the metadata")
        return metadata[f"model.{key}"]

    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
        "attention_bias": False, "mlp_bias": False, "attention_dropout": 0.0, "pretraining_tp": 1,
        "vocab_size": m("vocab_size"), "hidden_size": m("dim"), "num_hidden_layers": m("n_layers"),
        "num_attention_heads": m("n_heads"), "num_key_value_heads": m("n_kv_heads"), "head_dim": m("head_dim"),
        "intermediate_size": m("ffn_dim"), "max_position_embeddings": m("max_seq_len"),
        "rms_norm_eps": m("rms_eps"), "rope_parameters": {"rope_theta": m("rope_theta"), "rope_type": "default"},
        "rope_theta": m("rope_theta"), "tie_word_embeddings": bool(m("tied_embeddings")),
        "use_cache": True,
    }
    # Token ids the file records (-1: none), as transformers' config names them.
    for key, config_key in (("bos_id", "bos_token_id"), ("eos_id", "eos_token_id"), ("pad_id", "pad_token_id")):
        if metadata.get(f"tokenizer.{key}", -1) >= 0:
            config[config_key] = metadata[f"tokenizer.{key}"]
    return config


def hf_name(name: str) -> str:
    if name in GLOBAL_NAMES:
        return GLOBAL_NAMES[name]
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in BLOCK_NAMES:
        return f"model.layers.{parts[1]}.{BLOCK_NAMES[parts[2]]}.{parts[3]}"
    raise TM2Error(f"tensor {name} has no place in a Llama model")


def to_export(path: Path, out: Path, layer_shards: int = 2) -> None:
    """Writes the folder ternary.export would have written for this model."""
    import ternary

    metadata, tensors = read(path)
    config = hf_config(metadata)
    state: dict[str, np.ndarray] = {}
    for name, (kind, shape, scale_count, raw) in tensors.items():
        if name == "output.weight" and config["tie_word_embeddings"]:
            continue  # a tied head stored at its own type: training ties it to the embedding again
        hf = hf_name(name)
        if hf.endswith(".weight") and hf.split(".")[-2] in ternary.BLOCK_LINEARS:
            if kind != TERNARY:
                raise TM2Error(f"{path}: {name} is not ternary: only ternary models continue QAT")
            state.update(ternary.packed_entries(hf, *ternary_codes(shape, scale_count, raw)))
        elif kind == TERNARY:
            raise TM2Error(f"{path}: {name} is ternary, which training keeps in float")
        else:
            state[hf] = dequantize(kind, shape, raw)
    ternary.write_export(state, config, out, layer_shards)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="A ternary .tm2.bin back as an exported folder for QAT")
    parser.add_argument("model", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    try:
        to_export(args.model, args.output)
    except (TM2Error, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
