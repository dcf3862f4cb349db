"""The training loop the fine-tuning scripts share: batches of tokenized examples, loss on the target
line only, a step or time budget with warm-up and cosine decay, validation, checkpoint and resume."""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dataset import TokenizedSet, load_dataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-model", type=Path, required=True, help="Hugging Face folder to start from")
    parser.add_argument("--dataset", type=Path, required=True, help="train .jsonl (homes.jsonl beside it) or .npz")
    parser.add_argument("--validation", type=Path, help="validation .jsonl or .npz (default: none)")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=1000, help="optimizer steps at most")
    parser.add_argument("--time-budget", type=float, default=0, help="seconds of training at most (0: no limit)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=30, help="warm-up steps")
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--eval-examples", type=int, default=512)
    parser.add_argument("--checkpoint-every", type=int, default=200, help="steps between checkpoints (resume with --resume)")
    parser.add_argument("--resume", action="store_true", help="continue from OUTPUT/checkpoint.pt")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: all)")
    parser.add_argument("--shared-prefix", action="store_true",
                        help="each batch from one home: its prompt prefix runs once and its keys and values "
                             "serve the whole batch (several times fewer tokens a step; for CPUs)")


def device_and_dtype() -> tuple[torch.device, torch.dtype | None]:
    """CUDA with bf16 autocast where there is a GPU; fp32 on CPU (bf16 is far slower there)."""
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        return torch.device("cuda"), torch.bfloat16
    return torch.device("cpu"), None


def causal_lm(model):
    """The LlamaForCausalLM inside a PEFT wrapper, or the model itself."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


@dataclass
class Batch:
    """Right-padded rows; target[b, t] is the token position t must predict (-100: nothing to learn).
    With `prefix`, every row continues that one token sequence, which is not repeated in `ids`."""

    ids: torch.Tensor
    mask: torch.Tensor
    target: torch.Tensor
    prefix: torch.Tensor | None = None

    def to(self, device) -> "Batch":
        return Batch(*(t.to(device, non_blocking=True) if t is not None else None
                       for t in (self.ids, self.mask, self.target, self.prefix)))


class Batches:
    """Random batches of whole examples; with `shared_prefix`, all of a batch's examples come from
    one home (chosen in proportion to its examples) and its prefix is returned once."""

    def __init__(self, data: TokenizedSet, batch_size: int, seed: int, pad_id: int, shared_prefix: bool = False):
        self.data, self.batch_size, self.pad_id, self.shared_prefix = data, batch_size, pad_id, shared_prefix
        self.rng = random.Random(seed)
        self.order: list[int] = []

    def sequences(self, indices, shared_prefix: bool = False) -> Batch:
        d = self.data
        prefix = d.prefixes[d.home[indices[0]]] if shared_prefix else None
        assert prefix is None or all(d.home[i] == d.home[indices[0]] for i in indices)
        seqs, starts = [], []
        for i in indices:
            prompt = d.prompts[i] if shared_prefix else np.concatenate([d.prefixes[d.home[i]], d.prompts[i]])
            seqs.append(np.concatenate([prompt, d.targets[i]]))
            starts.append(len(prompt))
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        # target[b, t] is the token position t must predict; -100 where there is none to learn.
        target = torch.full((len(seqs), width), -100, dtype=torch.long)
        for b, (s, start) in enumerate(zip(seqs, starts)):
            ids[b, :len(s)] = torch.from_numpy(s.astype(np.int64))
            mask[b, :len(s)] = 1
            target[b, start - 1:len(s) - 1] = torch.from_numpy(s[start:].astype(np.int64))
        return Batch(ids, mask, target, None if prefix is None else torch.from_numpy(prefix.astype(np.int64)))

    def next(self) -> Batch:
        # Shared-prefix batches draw from one pass at a time (refilled only when it is used up), so
        # no example is in the order twice.
        if len(self.order) < (1 if self.shared_prefix else self.batch_size):
            more = list(range(len(self.data)))
            self.rng.shuffle(more)
            self.order += more
        if self.shared_prefix:
            # The first example in the shuffled order picks the home; the batch is the next examples
            # of that home in the order (fewer when the home has fewer left).
            home = self.data.home[self.order[0]]
            indices = [i for i in self.order if self.data.home[i] == home][:self.batch_size]
            taken = set(indices)
            self.order = [i for i in self.order if i not in taken]
            return self.sequences(indices, shared_prefix=True)
        indices, self.order = self.order[:self.batch_size], self.order[self.batch_size:]
        return self.sequences(indices)

    def state(self):
        return {"rng": self.rng.getstate(), "order": self.order}

    def restore(self, state):
        self.rng.setstate(state["rng"])
        self.order = state["order"]


def target_logits(model, batch: Batch):
    """Logits at the positions that predict a target token only: the head over 49k tokens is costly.
    A shared prefix runs once; its keys and values, repeated for each row, carry its gradient back."""
    lm = causal_lm(model)
    if batch.prefix is None:
        hidden = lm.model(input_ids=batch.ids, attention_mask=batch.mask).last_hidden_state
    else:
        rows, width, p = batch.ids.shape[0], batch.ids.shape[1], batch.prefix.shape[0]
        from transformers import DynamicCache

        cache = DynamicCache(config=lm.config)
        lm.model(input_ids=batch.prefix[None], cache=cache, use_cache=True)
        cache.batch_repeat_interleave(rows)
        mask = torch.cat([torch.ones(rows, p, dtype=batch.mask.dtype, device=batch.mask.device), batch.mask], 1)
        positions = torch.arange(p, p + width, device=batch.ids.device)[None].expand(rows, -1)
        hidden = lm.model(input_ids=batch.ids, attention_mask=mask, cache=cache,
                          position_ids=positions, use_cache=True).last_hidden_state
    where = batch.target != -100
    return lm.lm_head(hidden[where]).float(), batch.target[where]


@torch.no_grad()
def evaluate(model, data: TokenizedSet, device, dtype, batch_size: int, limit: int, pad_id: int) -> dict:
    """Teacher-forced: token accuracy on the targets and the share of lines whose every token is the
    argmax (the unconstrained greedy line then equals the gold line)."""
    model.eval()
    batches = Batches(data, batch_size, 0, pad_id)
    n = min(limit, len(data))
    tokens = correct = lines = exact = 0
    loss_sum = 0.0
    for start in range(0, n, batch_size):
        idx = list(range(start, min(n, start + batch_size)))
        batch = batches.sequences(idx).to(device)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            logits, gold = target_logits(model, batch)
        loss_sum += F.cross_entropy(logits, gold, reduction="sum").item()
        hit = (logits.argmax(-1) == gold)
        tokens += gold.numel()
        correct += hit.sum().item()
        # Split the flat hits back into lines: each row's targets are contiguous.
        per_row = (batch.target != -100).sum(1).tolist()
        for row_hits in torch.split(hit, per_row):
            lines += 1
            exact += bool(row_hits.all())
    model.train()
    return {"loss": loss_sum / max(tokens, 1), "token_accuracy": correct / max(tokens, 1),
            "line_exact": exact / max(lines, 1), "lines": lines}


def learning_rate(base: float, step: int, warmup: int, progress: float) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def log(out: Path, record: dict) -> None:
    line = json.dumps(record)
    print(line, flush=True)
    with open(out / "train_log.jsonl", "a") as f:
        f.write(line + "\n")


def train(model, args, loss_fn, save_fn, warm_up=None) -> dict:
    """Runs the loop. `loss_fn(model, batch) -> loss`; `save_fn(model, out_dir)` writes
    the result; `warm_up(model, batch)`, if given, runs once on the first batch before the clock
    starts (compilation). Returns the last validation metrics."""
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device, dtype = device_and_dtype()
    model.to(device)
    model.train()
    args.output.mkdir(parents=True, exist_ok=True)

    data = load_dataset(args.dataset, args.base_model)
    validation = load_dataset(args.validation, args.base_model) if args.validation else None
    pad_id = 0
    batches = Batches(data, args.batch_size, args.seed, pad_id, args.shared_prefix)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay, betas=(0.9, 0.95),
                                  fused=device.type == "cuda")

    step, elapsed_before = 0, 0.0
    checkpoint = args.output / "checkpoint.pt"
    if args.resume and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        batches.restore(state["batches"])
        step, elapsed_before = state["step"], state["elapsed"]
        print(f"resumed at step {step}", file=sys.stderr)

    def save_checkpoint():
        trainable = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
        torch.save({"model": trainable, "optimizer": optimizer.state_dict(), "batches": batches.state(),
                    "step": step, "elapsed": elapsed_before + time.time() - t0}, checkpoint)

    print(f"training {sum(p.numel() for p in params) / 1e6:.2f}M parameters on {len(data)} examples, "
          f"device {device}, autocast {dtype}", file=sys.stderr)
    if warm_up is not None:
        t = time.time()
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            warm_up(model, batches.sequences(list(range(min(args.batch_size, len(data))))).to(device))
        model.zero_grad(set_to_none=True)
        print(f"warm-up {time.time() - t:.1f} s", file=sys.stderr)
    t0 = time.time()
    metrics = {}
    while step < args.steps:
        elapsed = elapsed_before + time.time() - t0
        progress = max(step / args.steps, elapsed / args.time_budget if args.time_budget else 0.0)
        if progress >= 1.0:
            break
        lr = learning_rate(args.lr, step, args.warmup, progress)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = batches.next().to(device)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        step += 1
        if step % 20 == 0 or step == 1:
            log(args.output, {"step": step, "loss": round(loss.item(), 5), "lr": lr,
                              "elapsed_s": round(elapsed_before + time.time() - t0, 1)})
        if validation is not None and step % args.eval_every == 0:
            metrics = evaluate(model, validation, device, dtype, args.batch_size, args.eval_examples, pad_id)
            log(args.output, {"step": step, "validation": metrics})
        if step % args.checkpoint_every == 0:
            save_checkpoint()
    if validation is not None:
        metrics = evaluate(model, validation, device, dtype, args.batch_size, args.eval_examples, pad_id)
        log(args.output, {"step": step, "validation": metrics, "final": True})
    log(args.output, {"done": True, "steps": step, "elapsed_s": round(elapsed_before + time.time() - t0, 1),
                      "device": str(device) + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else "")})
    model.to("cpu")
    save_fn(model, args.output)
    if checkpoint.exists():
        checkpoint.unlink()
    return metrics


def cross_entropy(model, batch: Batch):
    logits, gold = target_logits(model, batch)
    return F.cross_entropy(logits, gold)
