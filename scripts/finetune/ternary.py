"""BitNet b1.58 arithmetic as the engine computes it, for quantization-aware training and export.

- weights: one absmean scale per tensor, s = max(mean|W|, 1e-5); W_q = clamp(round(W / s), -1, 1) * s
  (Converter + el_quantize_row_tq2);
- activations: per token, a = max(max|x|, 1e-5); x_q = clamp(round(x * 127 / a), -128, 127) * a / 127
  (el_quantize_row_i8 and friends), for every ternary matmul;
- the embedding (tied with the head) as Q4_0 blocks, frozen, so training sees what the file holds
  (el_quantize_row_q4_0).

Straight-through estimators pass the gradient to the latent float weights and activations.
The export writes a Hugging Face folder with 2-bit packed weights and a `weight_scale` per tensor
(transformers' AutoBitLinear layout: value = (code - 1) * weight_scale), which `edgellm convert
--weights ternary` stores with exactly that scale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BLOCK_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def weight_scale(w: torch.Tensor) -> torch.Tensor:
    return w.detach().float().abs().mean().clamp(min=1e-5)


def ternary_codes(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The tensor's ternary values (-1, 0, 1, as floats) and its scale: what training multiplies
    and what the export stores."""
    s = weight_scale(w)
    return torch.clamp(torch.round(w.detach().float() / s), -1, 1), s


def ternary_weight(w: torch.Tensor) -> torch.Tensor:
    codes, s = ternary_codes(w)
    return w + ((codes * s).to(w.dtype) - w).detach()


def int8_activations(x: torch.Tensor) -> torch.Tensor:
    xf = x.float()
    a = xf.detach().abs().amax(dim=-1, keepdim=True).clamp(min=1e-5)
    q = torch.clamp(torch.round(xf * (127.0 / a)), -128, 127) * (a / 127.0)
    return x + (q.to(x.dtype) - x).detach()


def compile_quantizers() -> "callable":
    """Replaces the fake-quant functions by torch.compile'd ones (each a fused kernel instead of
    ~10 small ones, which is what an eager QAT step of a 135M model spends its time launching on a
    GPU). Returns the function that puts the eager ones back."""
    global int8_activations, ternary_weight
    int8_activations = torch.compile(_EAGER[0], dynamic=True)
    ternary_weight = torch.compile(_EAGER[1], dynamic=True)

    def restore():
        global int8_activations, ternary_weight
        int8_activations, ternary_weight = _EAGER

    return restore


_EAGER = (int8_activations, ternary_weight)


class TernaryLinear(nn.Linear):
    """nn.Linear whose forward is the engine's ternary matmul (fake-quantized, STE gradients).
    `exported` marks weights that already are ternary (read back from an export): absmean of them
    would shrink the scale by the fraction of non-zeros, so they are used as they are."""

    exported = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight if self.exported else ternary_weight(self.weight)
        return F.linear(int8_activations(x), w, self.bias)


def ternarize(model: nn.Module) -> int:
    """Turns every block linear (the ones the converter makes ternary) into a TernaryLinear in place."""
    n = 0
    for module in model.modules():
        for name, child in list(module.named_children()):
            if name in BLOCK_LINEARS and type(child) is nn.Linear:
                child.__class__ = TernaryLinear
                n += 1
    return n


def q4_0_round_trip(w: torch.Tensor) -> torch.Tensor:
    """Rows through Q4_0 and back, bit for bit as el_quantize_row_q4_0 / el_dequantize_row_q4_0."""
    x = w.detach().float().cpu().numpy().reshape(-1, 32)
    idx = np.abs(x).argmax(axis=1)  # first of equal magnitudes, as the C loop's strict '>'
    mx = x[np.arange(len(x)), idx]
    d = (mx / np.float32(-8.0)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, np.float32(1.0) / d, np.float32(0.0)).astype(np.float32)
    q = np.minimum((x * inv[:, None] + np.float32(8.5)).astype(np.int32), 15)  # C's (int) truncates
    d16 = d.astype(np.float16).astype(np.float32)
    y = ((q - 8).astype(np.float32) * d16[:, None]).reshape(w.shape)
    return torch.from_numpy(y).to(w.device, w.dtype)


def q8_0_activations(x: torch.Tensor) -> torch.Tensor:
    """Blocks of 32 through Q8_0 and back (el_quantize_row_q8_0: d = amax / 127 kept as f16,
    roundf's ties away from zero), as the engine feeds a Q8_0 / Q4_0 matmul; STE gradient."""
    xf = x.float().reshape(*x.shape[:-1], -1, 32)
    d = xf.detach().abs().amax(dim=-1, keepdim=True) / 127.0
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    v = xf * inv
    q = torch.sign(v) * torch.floor(v.abs() + 0.5)
    y = (q * d.half().float()).reshape(x.shape)
    return x + (y.to(x.dtype) - x).detach()


class Q8_0InputLinear(nn.Linear):
    """The output head as the engine runs a Q4_0 / Q8_0 head: its input quantized to Q8_0 blocks."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(q8_0_activations(x), self.weight, self.bias)


def freeze_embedding_as_q4_0(model: nn.Module) -> None:
    """The tied embedding / head frozen at its Q4_0 values, the head fed Q8_0 activations."""
    emb = model.get_input_embeddings()
    with torch.no_grad():
        emb.weight.copy_(q4_0_round_trip(emb.weight))
    emb.weight.requires_grad_(False)
    head = model.get_output_embeddings()
    if head is not None and type(head) is nn.Linear:
        head.__class__ = Q8_0InputLinear


def pack(codes: np.ndarray) -> np.ndarray:
    """Ternary values (rows × cols, in {-1, 0, 1}) to transformers' packed layout: rows/4 × cols uint8,
    bits 2i..2i+1 of packed[r] are row i * rows/4 + r, stored as value + 1."""
    rows = codes.shape[0]
    assert rows % 4 == 0, "packed BitNet weights need a multiple of 4 rows"
    quarter = rows // 4
    u = (codes + 1).astype(np.uint8)
    packed = np.zeros((quarter, codes.shape[1]), np.uint8)
    for i in range(4):
        packed |= u[i * quarter:(i + 1) * quarter] << (2 * i)
    return packed


def packed_entries(name: str, codes: np.ndarray, scale: float) -> dict[str, np.ndarray]:
    """A block linear's tensors in an exported folder: its packed codes and its `weight_scale`."""
    return {name: pack(codes), name[:-len("weight")] + "weight_scale": np.array([scale], np.float32)}


def export(model: nn.Module, base_dir: Path, out: Path, layer_shards: int = 2) -> None:
    """The QAT model as a Hugging Face folder of packed ternary weights (`write_export`), with the
    base model's config.json and tokenizer."""
    state = {}
    for name, value in model.state_dict().items():
        if name == "lm_head.weight" and model.config.tie_word_embeddings:
            continue
        value = value.detach().float().cpu()
        if name.endswith(".weight") and name.split(".")[-2] in BLOCK_LINEARS:
            codes, s = ternary_codes(value)
            state.update(packed_entries(name, codes.numpy().astype(np.int8), s.item()))
        else:
            state[name] = value.numpy()
    write_export(state, json.loads((base_dir / "config.json").read_text()), out, layer_shards)
    copy_tokenizer(base_dir, out)


def write_export(state: dict[str, np.ndarray], config: dict, out: Path, layer_shards: int = 2) -> None:
    """Writes packed weights and the rest as an exported folder.

    Layers go into `layer_shards` files (small enough to travel back from a GPU machine); the frozen
    embedding into its own file, `embedding.safetensors`, which `restore_embedding` can rebuild
    from the base model instead of carrying it.
    """
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    n_layers = config["num_hidden_layers"]
    per_shard = -(-n_layers // layer_shards)
    shards: list[dict[str, np.ndarray]] = [dict() for _ in range(layer_shards)]
    embedding: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if ".layers." in name:
            shard = shards[int(name.split(".layers.")[1].split(".")[0]) // per_shard]
        elif "embed_tokens" in name:
            shard = embedding
        else:
            shard = shards[-1]
        shard[name] = np.ascontiguousarray(value)
    files = {f"model-{i + 1:05d}-of-{layer_shards:05d}.safetensors": s for i, s in enumerate(shards)}
    files["embedding.safetensors"] = embedding
    index = {"metadata": {}, "weight_map": {}}
    for file, tensors in files.items():
        save_file(tensors, str(out / file), metadata={"format": "pt"})
        index["weight_map"].update({k: file for k in tensors})
    (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=1, sort_keys=True))
    config = dict(config)
    config["quantization_config"] = {"quant_method": "bitnet", "linear_class": "autobitlinear",
                                     "quantization_mode": "offline"}
    (out / "config.json").write_text(json.dumps(config, indent=2))


def copy_tokenizer(src: Path, dst: Path) -> None:
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json",
                 "special_tokens_map.json"):
        if (src / name).exists():
            shutil.copy(src / name, dst / name)


def restore_embedding(base_dir: Path, model_dir: Path) -> None:
    """Rewrites `embedding.safetensors` of an exported folder from the base model (Q4_0 round trip),
    for runs that brought back only the trained layers."""
    from safetensors.numpy import save_file
    from safetensors.torch import load_file

    base = {}
    for f in sorted(base_dir.glob("*.safetensors")):
        base.update({k: v for k, v in load_file(str(f)).items() if "embed_tokens" in k})
    if not base:
        raise SystemExit(f"error: no embed_tokens tensor in {base_dir}")
    save_file({k: q4_0_round_trip(v.float()).numpy() for k, v in base.items()},
              str(model_dir / "embedding.safetensors"), metadata={"format": "pt"})


def is_export(model_dir: Path) -> bool:
    if not (model_dir / "config.json").is_file():
        return False
    config = json.loads((model_dir / "config.json").read_text())
    return config.get("quantization_config", {}).get("quant_method") == "bitnet"


def load_exported(model_dir: Path, dtype=torch.float32, q4_0_head: bool = True, attention: str = "eager"):
    """An exported folder back as a fake-quant PyTorch model (unpacked ±s weights, TernaryLinear)."""
    from safetensors.numpy import load_file
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(model_dir)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation=attention)
    tensors = {}
    for f in sorted(model_dir.glob("*.safetensors")):
        tensors.update(load_file(str(f)))
    state = {}
    for name, value in tensors.items():
        if name.endswith("weight_scale"):
            continue
        scale_name = name[:-len("weight")] + "weight_scale"
        if scale_name in tensors:
            rows = value.shape[0] * 4
            codes = np.concatenate([((value >> (2 * i)) & 3).astype(np.int8) - 1 for i in range(4)])
            value = codes.astype(np.float32) * tensors[scale_name][0]
            assert value.shape[0] == rows
        state[name] = torch.from_numpy(np.ascontiguousarray(value))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and config.tie_word_embeddings)]
    if missing or unexpected:
        raise SystemExit(f"error: {model_dir}: missing {missing[:3]} unexpected {unexpected[:3]}")
    if config.tie_word_embeddings:
        model.tie_weights()
    ternarize(model)
    for module in model.modules():
        if isinstance(module, TernaryLinear):
            module.exported = True
    head = model.get_output_embeddings()
    if q4_0_head and head is not None and type(head) is nn.Linear:
        head.__class__ = Q8_0InputLinear
    return model


def make_latent(model: nn.Module) -> None:
    """Exported ternary weights (values -s, 0, s) back into latent weights training can move:
    divided by the tensor's fraction of non-zeros, their absmean is s again and they round to the
    same codes, so training resumes from exactly the exported model."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, TernaryLinear) and module.exported:
                nonzero = (module.weight != 0).float().mean().clamp(min=1e-6)
                module.weight.div_(nonzero)
                module.exported = False


def main() -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Tools for exported ternary folders")
    sub = parser.add_subparsers(dest="command", required=True)
    restore = sub.add_parser("restore-embedding", help="rebuild embedding.safetensors from the base model")
    restore.add_argument("--base-model", type=Path, required=True)
    restore.add_argument("--model", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "restore-embedding":
        restore_embedding(args.base_model, args.model)
        copy_tokenizer(args.base_model, args.model)
        index = json.loads((args.model / "model.safetensors.index.json").read_text())
        if "embedding.safetensors" not in index["weight_map"].values():
            print("error: the folder's index names no embedding.safetensors", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
