#!/usr/bin/env bash
# Builds the kernel microbenchmark release-optimised (-O3, the package's C flags, no -mavx2: the
# kernels choose AVX2 at run time) and runs it. Arguments go to the benchmark (--quick).
set -euo pipefail
cd "$(dirname "$0")/../.."
K=Sources/CEdgeLLMKernels
OUT=${BENCH_OUT:-.build/kernels}
mkdir -p "$OUT"
# clang by default: SwiftPM builds the kernels with it.
CC=${CC:-$(command -v clang || command -v cc)}
# shellcheck disable=SC2046
$CC -O3 -std=gnu11 -fno-math-errno -ffp-contract=off -I"$K/include" -Iscripts/kernels \
    $(ls "$K"/*.c | grep -v gguf_dequant) scripts/kernels/tq2_lut.c scripts/kernels/bench.c \
    -lm -lpthread -o "$OUT/bench"
echo "compiler: $($CC --version | head -1)"
"$OUT/bench" "$@"
