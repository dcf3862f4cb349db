#!/usr/bin/env python3
"""EdgeLLM against llama.cpp (and Ollama when one is reachable), same machine, same run.

Two ways to use it:

  # one backend, the original EdgeLLM interface
  benchmark.py --backend edgellm|llamacpp|ollama --model M --runs 30 --output results.json

  # side by side: one GGUF source, EdgeLLM's ternary and q8 conversions against llama.cpp's
  # Q4_0 and Q8_0 requantisations, runs alternated engine by engine, medians and ratios, a chart
  benchmark.py compare --gguf models/SmolLM2-135M-Instruct.Q4_1.gguf --threads 1 2 --runs 30 \
      --output results.json --chart latency.png

llama.cpp comes from the PyPI package llama-cpp-python built from source
(`pip install --no-binary llama-cpp-python llama-cpp-python`), or from a llama.cpp build the user
points to with --llama-bench (its `llama-bench` binary; then only aggregate figures are available).
Ollama is used when OLLAMA_HOST (e.g. http://127.0.0.1:11434) answers; --ollama-model names the model.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EDGELLM = ROOT / ".build" / "release" / "edgellm"
PROMPT_TEXT = (
    "Turn on the kitchen lights and set the living room temperature to 21 degrees. "
    "The quick brown fox jumps over the lazy dog while the cat sleeps on the windowsill. "
) * 8


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, as edgellm bench computes it."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))  # ceil(q/100 * n)
    return ordered[min(rank, len(ordered)) - 1]


def summarize(name: str, runs: list[dict]) -> dict:
    """Aggregates per-run measurements: medians over runs, percentiles over all decode steps."""
    tokens = [t for r in runs for t in r["token_ms"]]
    requests = [r["request_ms"] for r in runs]
    return {
        "engine": name,
        "runs": len(runs),
        "ttft_ms": {"p50": percentile([r["ttft_ms"] for r in runs], 50),
                    "p99": percentile([r["ttft_ms"] for r in runs], 99)},
        "token_ms": {"p50": percentile(tokens, 50), "p90": percentile(tokens, 90),
                     "p99": percentile(tokens, 99), "max": max(tokens) if tokens else float("nan"),
                     "std": statistics.pstdev(tokens) if len(tokens) > 1 else 0.0},
        "request_ms": {"mean": statistics.fmean(requests), "p99": percentile(requests, 99),
                       "std": statistics.pstdev(requests) if len(requests) > 1 else 0.0},
        "prefill_tok_s": statistics.median(r["prefill_tok_s"] for r in runs),
        "decode_tok_s": statistics.median(r["decode_tok_s"] for r in runs),
        "peak_rss_mb": max(r.get("peak_rss_mb", 0) for r in runs),
        "model_size_mb": runs[0].get("model_size_mb", 0),
        "token_ms_samples": tokens,
    }


# ---- EdgeLLM ------------------------------------------------------------------------------------

def edgellm_run(model: str, prompt_tokens: int, gen_tokens: int, threads: int) -> dict:
    """One request through `edgellm bench --runs 1`, which measures inside the process."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([str(EDGELLM), "bench", model, "-p", str(prompt_tokens), "-n", str(gen_tokens),
                        "--runs", "1", "--warmup", "1", "--threads", str(threads), "--json", out.name],
                       check=True, stdout=subprocess.DEVNULL)
        r = json.load(open(out.name))
    samples = r.get("samples", {}).get("token_ms") or [r["token_ms"]["p50"]] * gen_tokens
    return {"ttft_ms": r["ttft_ms"]["p50"], "token_ms": samples, "request_ms": r["request_ms"]["mean"],
            "prefill_tok_s": r["prefill_tok_s"], "decode_tok_s": r["decode_tok_s"],
            "peak_rss_mb": r["peak_rss_mb"], "model_size_mb": r["model_size_mb"]}


def benchmark_edgellm(model_path: str, num_runs: int = 30, tokens_per_run: int = 64,
                      prompt_tokens: int = 32, threads: int = 1) -> tuple[dict, dict]:
    """The original EdgeLLM benchmark function: (throughput, latency) dictionaries."""
    s = summarize("edgellm", [edgellm_run(model_path, prompt_tokens, tokens_per_run, threads)
                              for _ in range(num_runs)])
    throughput = {"decode_tok_s": s["decode_tok_s"], "prefill_tok_s": s["prefill_tok_s"]}
    latency = {"ttft_ms": s["ttft_ms"], "token_ms": s["token_ms"], "request_ms": s["request_ms"]}
    return throughput, latency


# ---- llama.cpp ----------------------------------------------------------------------------------

class LlamaCpp:
    """llama.cpp through llama-cpp-python's low-level calls, timed per decode step."""

    def __init__(self, model: str, threads: int, ctx: int = 512):
        from llama_cpp import Llama  # imported here: only this backend needs it
        self.llm = Llama(model_path=model, n_ctx=ctx, n_threads=threads, n_threads_batch=threads,
                         n_batch=512, verbose=False, seed=0)
        self.model = model

    def prompt(self, n: int) -> list[int]:
        ids = self.llm.tokenize(PROMPT_TEXT.encode(), add_bos=False, special=False)
        return ids[:n]

    def run(self, prompt_tokens: int, gen_tokens: int) -> dict:
        import numpy as np
        llm = self.llm
        prompt = self.prompt(prompt_tokens)
        eos = llm.token_eos()
        llm.reset()
        start = time.perf_counter()
        llm.eval(prompt)
        prefill = time.perf_counter() - start
        token_ms = []
        for i in range(gen_tokens):
            t0 = time.perf_counter()
            scores = np.array(llm.scores[llm.n_tokens - 1], copy=True)
            scores[eos] = -np.inf  # a fixed token count, as edgellm bench suppresses EOS
            token = int(scores.argmax())
            if i < gen_tokens - 1:
                llm.eval([token])
            token_ms.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - start
        return {"ttft_ms": prefill * 1000 + token_ms[0], "token_ms": token_ms[1:],
                "request_ms": total * 1000, "prefill_tok_s": len(prompt) / prefill,
                "decode_tok_s": (gen_tokens - 1) / (sum(token_ms[1:]) / 1000),
                "peak_rss_mb": peak_rss_mb(), "model_size_mb": os.path.getsize(self.model) / 2**20}


def requantize(source: str, target: str, ftype: str) -> str:
    """GGUF → GGUF at another type with llama.cpp's own quantiser (LLAMA_FTYPE_MOSTLY_Q4_0 / Q8_0)."""
    if os.path.exists(target):
        return target
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = {"q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0, "q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0}[ftype]
    params.allow_requantize = True
    if llama_cpp.llama_model_quantize(source.encode(), target.encode(), params) != 0:
        sys.exit(f"error: llama.cpp could not quantise {source} to {ftype}")
    return target


def peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- Ollama -------------------------------------------------------------------------------------

def ollama_run(host: str, model: str, prompt_tokens: int, gen_tokens: int) -> dict:
    body = json.dumps({"model": model, "prompt": PROMPT_TEXT, "stream": False, "raw": True,
                       "options": {"num_predict": gen_tokens, "temperature": 0, "num_ctx": 512}}).encode()
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(f"{host}/api/generate", body), timeout=300) as r:
        reply = json.load(r)
    total = (time.perf_counter() - start) * 1000
    per_token = reply["eval_duration"] / 1e6 / max(reply["eval_count"], 1)
    return {"ttft_ms": reply.get("prompt_eval_duration", 0) / 1e6 + per_token,
            "token_ms": [per_token] * reply["eval_count"], "request_ms": total,
            "prefill_tok_s": reply.get("prompt_eval_count", 0) / max(reply.get("prompt_eval_duration", 1) / 1e9, 1e-9),
            "decode_tok_s": reply["eval_count"] / (reply["eval_duration"] / 1e9), "peak_rss_mb": 0,
            "model_size_mb": 0}


def ollama_reachable(host: str | None) -> bool:
    if not host:
        return False
    try:
        urllib.request.urlopen(f"{host}/api/tags", timeout=2)
        return True
    except OSError:
        return False


# ---- side by side -------------------------------------------------------------------------------

def compare(args) -> dict:
    gguf = args.gguf
    cache = ROOT / "models" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    pairs = [("edgellm ternary", "llama.cpp Q4_0"), ("edgellm q8_0", "llama.cpp Q8_0")]
    results = {"prompt_tokens": args.prompt_tokens, "gen_tokens": args.gen_tokens, "runs": args.runs,
               "machine": machine(), "date": time.strftime("%Y-%m-%d"), "by_threads": {}}
    for threads in args.threads:
        engines = [
            ("edgellm ternary", lambda t=threads: edgellm_run(args.ternary, args.prompt_tokens, args.gen_tokens, t)),
            ("edgellm q8_0", lambda t=threads: edgellm_run(args.q8, args.prompt_tokens, args.gen_tokens, t)),
        ]
        for name, ftype in [("llama.cpp Q4_0", "q4_0"), ("llama.cpp Q8_0", "q8_0")]:
            target = str(cache / f"{Path(gguf).stem}.{ftype}.gguf")
            engine = LlamaCpp(requantize(gguf, target, ftype), threads)
            engines.append((name, lambda e=engine: e.run(args.prompt_tokens, args.gen_tokens)))
        host = os.environ.get("OLLAMA_HOST")
        if ollama_reachable(host) and args.ollama_model:
            engines.append(("ollama", lambda: ollama_run(host, args.ollama_model, args.prompt_tokens, args.gen_tokens)))
        for _, run in engines:  # warm-up: page in weights, settle caches
            run()
        samples: dict[str, list[dict]] = {name: [] for name, _ in engines}
        for i in range(args.runs):  # alternate engines run by run so drift hits all alike
            for name, run in (engines if i % 2 == 0 else list(reversed(engines))):
                samples[name].append(run())
        summary = {name: summarize(name, runs) for name, runs in samples.items()}
        ratios = {f"{a} / {b}": {
            "decode_tok_s": summary[a]["decode_tok_s"] / summary[b]["decode_tok_s"],
            "prefill_tok_s": summary[a]["prefill_tok_s"] / summary[b]["prefill_tok_s"],
            "token_p99_over_p50": summary[a]["token_ms"]["p99"] / summary[a]["token_ms"]["p50"],
            "request_std_ratio": summary[a]["request_ms"]["std"] / max(summary[b]["request_ms"]["std"], 1e-9),
        } for a, b in pairs}
        results["by_threads"][str(threads)] = {"engines": summary, "ratios": ratios}
        print_table(threads, summary, ratios)
    return results


def print_table(threads: int, summary: dict, ratios: dict) -> None:
    print(f"\n== {threads} thread(s)")
    print(f"{'engine':<18}{'decode tok/s':>13}{'prefill tok/s':>14}{'tok p50 ms':>11}{'tok p99 ms':>11}"
          f"{'p99/p50':>8}{'req std ms':>11}{'RSS MiB':>9}{'size MiB':>9}")
    for name, s in summary.items():
        t = s["token_ms"]
        print(f"{name:<18}{s['decode_tok_s']:>13.1f}{s['prefill_tok_s']:>14.1f}{t['p50']:>11.2f}{t['p99']:>11.2f}"
              f"{t['p99'] / t['p50']:>8.3f}{s['request_ms']['std']:>11.2f}{s['peak_rss_mb']:>9.1f}{s['model_size_mb']:>9.1f}")
    for pair, r in ratios.items():
        print(f"{pair}: decode ×{r['decode_tok_s']:.2f}, prefill ×{r['prefill_tok_s']:.2f}, "
              f"request std ratio {r['request_std_ratio']:.2f}")


def chart(results: dict, path: str) -> bool:
    try:
        import matplotlib
    except ImportError:
        print(f"no chart: matplotlib is not installed (.venv/bin/pip install matplotlib); {path} not written",
              file=sys.stderr)
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    groups = results["by_threads"]
    fig, axes = plt.subplots(1, len(groups), figsize=(6 * len(groups), 4.5), squeeze=False)
    for ax, (threads, group) in zip(axes[0], groups.items()):
        names = list(group["engines"])
        ax.boxplot([group["engines"][n]["token_ms_samples"] for n in names], showfliers=True)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right")
        ax.set_ylabel("decode latency per token (ms)")
        ax.set_title(f"{threads} thread(s), {results['runs']} runs × {results['gen_tokens']} tokens")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def machine() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return "unknown"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command")
    c = sub.add_parser("compare", help="EdgeLLM against llama.cpp side by side")
    c.add_argument("--gguf", default=str(ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    c.add_argument("--ternary", default=str(ROOT / "models/smollm2-135m.tm2.bin"))
    c.add_argument("--q8", default=str(ROOT / "models/smollm2-135m.q8.tm2.bin"))
    c.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    c.add_argument("--runs", type=int, default=30)
    c.add_argument("--prompt-tokens", type=int, default=32)
    c.add_argument("--gen-tokens", type=int, default=64)
    c.add_argument("--ollama-model")
    c.add_argument("--output", default="results.json")
    c.add_argument("--chart", default="latency.png")
    p.add_argument("--backend", choices=["edgellm", "llamacpp", "ollama"])
    p.add_argument("--model")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--prompt-tokens", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--output", default="results.json")
    args = p.parse_args()

    if args.command == "compare":
        results = compare(args)
        Path(args.output).write_text(json.dumps(
            {**results, "by_threads": {t: {"engines": {n: {k: v for k, v in s.items() if k != "token_ms_samples"}
                                                       for n, s in g["engines"].items()}, "ratios": g["ratios"]}
                                       for t, g in results["by_threads"].items()}}, indent=2))
        charted = chart(results, args.chart)
        print(f"\nwrote {args.output}" + (f" and {args.chart}" if charted else ""))
        return
    if not args.backend or not args.model:
        p.error("give --backend and --model, or use the compare command")
    if args.backend == "edgellm":
        runs = [edgellm_run(args.model, args.prompt_tokens, args.tokens, args.threads) for _ in range(args.runs)]
    elif args.backend == "llamacpp":
        engine = LlamaCpp(args.model, args.threads)
        engine.run(args.prompt_tokens, args.tokens)
        runs = [engine.run(args.prompt_tokens, args.tokens) for _ in range(args.runs)]
    else:
        host = os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434")
        if not ollama_reachable(host):
            sys.exit(f"error: no Ollama answers at {host} (set OLLAMA_HOST)")
        runs = [ollama_run(host, args.model, args.prompt_tokens, args.tokens) for _ in range(args.runs)]
    s = summarize(args.backend, runs)
    Path(args.output).write_text(json.dumps({k: v for k, v in s.items() if k != "token_ms_samples"}, indent=2))
    print(json.dumps({k: v for k, v in s.items() if k != "token_ms_samples"}, indent=2))


if __name__ == "__main__":
    main()
