#!/usr/bin/env bash
# Kernel tests in plain C (scripts/kernels/neon_test.c): every SIMD kernel against its scalar
# reference.
#  1. NEON: cross-compiled for ARMv8.0 (the Pi Zero 2 W's Cortex-A53: no dot product, no fp16
#     arithmetic), statically, and run under qemu-aarch64-static.
#  2. The host build (AVX2 on x86-64, chosen at run time; no -mavx2), run natively.
# Installs gcc-aarch64-linux-gnu and qemu-user-static with apt-get when they are missing.
# Exit status: non-zero when a build or any check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
K=Sources/CEdgeLLMKernels
OUT=${KERNEL_TEST_OUT:-.build/kernels}
mkdir -p "$OUT"
SOURCES=$(ls "$K"/*.c | grep -v gguf_dequant)
CFLAGS=(-O2 -std=gnu11 -fno-math-errno -ffp-contract=off -Wall -Wextra -I"$K/include" -Iscripts/kernels)

missing=()
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

status=0
echo "== NEON (aarch64, -march=armv8-a, qemu-aarch64-static)"
# shellcheck disable=SC2086
aarch64-linux-gnu-gcc "${CFLAGS[@]}" -march=armv8-a -static $SOURCES scripts/kernels/tq2_lut.c \
    scripts/kernels/neon_test.c -lm -lpthread -o "$OUT/neon_test_aarch64"
qemu-aarch64-static "$OUT/neon_test_aarch64" || status=1

echo "== host ($(uname -m), gcc -O2, SIMD chosen at run time)"
# shellcheck disable=SC2086
gcc "${CFLAGS[@]}" $SOURCES scripts/kernels/tq2_lut.c scripts/kernels/neon_test.c -lm -lpthread \
    -o "$OUT/neon_test_host"
"$OUT/neon_test_host" || status=1
exit $status
