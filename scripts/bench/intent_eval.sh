#!/usr/bin/env bash
# Intent accuracy and latency of models, as BENCHMARKS.md's table reports them: the held-out test
# split of the generated data (make data), the committed set, and — when given — Home Assistant's
# English test sentences. Constrained (the agent's decoding) and, with UNCONSTRAINED=1, also without
# the grammar.
#
#   scripts/bench/intent_eval.sh OUT_DIR MODEL.tm2.bin [MODEL ...]
#   HA=../shared/benchmarks/ha-intents-en LIMIT=400 THREADS=1 scripts/bench/intent_eval.sh runs/eval models/*.tm2.bin
#
# Writes OUT_DIR/<model>.<set>[.free].json (edgellm eval --json) and .pred.jsonl, then a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:?usage: intent_eval.sh OUT_DIR MODEL...}; shift
BIN=${BIN:-.build/release/edgellm}
DATA=${DATA:-.run/data/intents}
THREADS=${THREADS:-1}
mkdir -p "$OUT"
sets=("committed|Tests/Fixtures/intents/home.json|Tests/Fixtures/intents/commands.jsonl")
[ -f "$DATA/test.eval.jsonl" ] && sets+=("test|Tests/Fixtures/intents/home.json|$DATA/test.eval.jsonl")
[ -n "${HA:-}" ] && sets+=("ha|$HA/home.json|$HA/sentences.jsonl")
modes=(constrained); [ "${UNCONSTRAINED:-0}" = 1 ] && modes+=(free)
for model in "$@"; do
    name=$(basename "$model" .tm2.bin)
    for entry in "${sets[@]}"; do
        IFS='|' read -r set home data <<<"$entry"
        for mode in "${modes[@]}"; do
            suffix=$([ "$mode" = free ] && echo .free || true)
            flags=(--threads "$THREADS" --json --predictions "$OUT/$name.$set$suffix.pred.jsonl")
            [ "$mode" = free ] && flags+=(--unconstrained)
            [ -n "${LIMIT:-}" ] && [ "$set" != committed ] && flags+=(--limit "$LIMIT")
            "$BIN" eval "$model" --home "$home" --data "$data" "${flags[@]}" > "$OUT/$name.$set$suffix.json"
        done
    done
done
echo "| model | set | decoding | n | intent | intent + slots | p50 / p99 ms |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for f in "$OUT"/*.json; do
    python3 - "$f" <<'PY'
import json, os, sys
f = sys.argv[1]
d = json.load(open(f))
parts = os.path.basename(f)[:-5].split(".")
free = parts[-1] == "free"
if free:
    parts = parts[:-1]
model, s = ".".join(parts[:-1]), parts[-1]
pct = lambda x: f"{100 * x:.1f} %"
print(f"| {model} | {s} | {'none' if free else 'grammar'} | {d['n']} | {pct(d['intent_accuracy'])} | "
      f"{pct(d['exact_match'])} | {d['latency_ms']['p50']} / {d['latency_ms']['p99']} |")
PY
done
