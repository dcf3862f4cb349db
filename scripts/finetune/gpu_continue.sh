#!/usr/bin/env bash
# The prepared run that continues the shipped ternary model's QAT on a CUDA machine, from the
# `.tm2.bin` every clone holds (no base model to carry): cross-entropy on the target lines, the
# quantizers compiled, one run per learning rate side by side, and each run's packed layers
# brought back (the rest of the folder is rebuilt here: `finish.sh`).
#
#   ARTIFACTS/lr-LR/model-0000{1,2}-of-00002.safetensors   the trained layers of each run
#   ARTIFACTS/log.txt                                        every run's log, timings, the GPU
#
# Environment: DATA (train.npz, val.npz from dataset.py), ARTIFACTS, START (a ternary .tm2.bin;
# default models/edgellm-home-135m.tm2.bin), QAT_SECONDS (380), QAT_LRS ("8e-4 1.6e-3"),
# BATCH (64), WARMUP (50), WORK (/tmp/edgellm-continue).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATA:?set DATA}" "${ARTIFACTS:?set ARTIFACTS}"
START=${START:-models/edgellm-home-135m.tm2.bin}
QAT_SECONDS=${QAT_SECONDS:-380}
QAT_LRS=${QAT_LRS:-"8e-4 1.6e-3"}
BATCH=${BATCH:-64}
WARMUP=${WARMUP:-50}
WORK=${WORK:-/tmp/edgellm-continue}
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
mkdir -p "$WORK" "$ARTIFACTS"
LOG="$ARTIFACTS/log.txt"
stamp() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$LOG"; }

stamp "GPU: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo none)"
$PY -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" | tee -a "$LOG"
stamp "read $START"
$PY scripts/finetune/tm2.py "$START" "$WORK/start" 2>&1 | tee -a "$LOG"

stamp "ternary QAT continued (${QAT_SECONDS}s each, lr ${QAT_LRS}, batch ${BATCH})"
pids=()
for lr in $QAT_LRS; do
    $PY scripts/finetune/train_ternary_qat.py --base-model "$WORK/start" \
        --dataset "$DATA/train.npz" --validation "$DATA/val.npz" --output "$WORK/qat-$lr" \
        --time-budget "$QAT_SECONDS" --steps 100000 --batch-size "$BATCH" --lr "$lr" --warmup "$WARMUP" \
        --eval-every 400 --checkpoint-every 1000000 > "$WORK/qat-$lr.log" 2>&1 &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for lr in $QAT_LRS; do
    echo "-- QAT lr $lr" >> "$LOG"; grep -v "it/s" "$WORK/qat-$lr.log" >> "$LOG" || true
    if ls "$WORK/qat-$lr"/model-0000*.safetensors > /dev/null 2>&1; then
        mkdir -p "$ARTIFACTS/lr-$lr"
        cp "$WORK/qat-$lr"/model-0000*.safetensors "$ARTIFACTS/lr-$lr/"
    else
        stamp "QAT lr $lr left no model"
    fi
done
stamp "done"
