#!/usr/bin/env bash
# Top-1 agreement and mean KL divergence of the q8_0 and ternary conversions of the default model
# against its f32 conversion, over scripts/bench/quality_prompts.txt (teacher-forced).
# Usage: scripts/bench/quality.sh   (after `make model`; writes models/smollm2-135m.f32.tm2.bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release/edgellm
GGUF=models/SmolLM2-135M-Instruct.Q4_1.gguf
F32=models/smollm2-135m.f32.tm2.bin
[ -f "$F32" ] || "$BIN" convert "$GGUF" -o "$F32" --weights f32
for model in models/smollm2-135m.q8.tm2.bin models/smollm2-135m.tm2.bin; do
    echo "== $model"
    "$BIN" compare "$F32" "$model" --prompts scripts/bench/quality_prompts.txt
done
