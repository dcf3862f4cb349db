#!/usr/bin/env bash
# The one prepared training run for a CUDA machine: the base model from the GGUF, a LoRA fine-tune
# (the floating-point reference), its merge, then ternary QAT distilled from it — two learning rates
# side by side, the better by validation kept — and the artifacts small enough to bring back:
#
#   ARTIFACTS/lora/     adapter_model.safetensors (fp16), adapter_config.json
#   ARTIFACTS/ternary/  the two packed layer shards, index, config.json (the embedding is rebuilt
#                       locally from the base model: `ternary.py restore-embedding`)
#   ARTIFACTS/log.txt   every step's log, timings, the GPU
#
# Environment: GGUF (the SmolLM2 GGUF; or BASE_MODEL, an exported folder), DATA (train.npz, val.npz from dataset.py), ARTIFACTS,
# LORA_SECONDS (100), QAT_SECONDS (290), QAT_LRS ("4e-4 1.2e-3"), BATCH (64), WORK (/tmp/edgellm-train).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${GGUF:=}" "${DATA:?set DATA}" "${ARTIFACTS:?set ARTIFACTS}"
LORA_SECONDS=${LORA_SECONDS:-100}
QAT_SECONDS=${QAT_SECONDS:-290}
QAT_LRS=${QAT_LRS:-"4e-4 1.2e-3"}
BATCH=${BATCH:-64}
WORK=${WORK:-/tmp/edgellm-train}
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
mkdir -p "$WORK" "$ARTIFACTS/lora" "$ARTIFACTS/ternary"
LOG="$ARTIFACTS/log.txt"
stamp() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$LOG"; }

stamp "GPU: $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo none)"
if ! $PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    stamp "warning: no CUDA GPU; ${LORA_SECONDS}s + ${QAT_SECONDS}s of CPU training is far too little (raise LORA_SECONDS / QAT_SECONDS)"
fi
if [ -n "${BASE_MODEL:-}" ]; then
    rm -rf "$WORK/base"
    ln -s "$(realpath "$BASE_MODEL")" "$WORK/base"
else
    stamp "export base model"
    $PY scripts/finetune/export_base.py "$GGUF" "$WORK/base" 2>&1 | grep -v "it/s" | tee -a "$LOG"
fi

stamp "LoRA fine-tune (${LORA_SECONDS}s)"
$PY scripts/finetune/train_qlora.py --base-model "$WORK/base" --dataset "$DATA/train.npz" \
    --validation "$DATA/val.npz" --output "$WORK/lora" --time-budget "$LORA_SECONDS" --steps 100000 \
    --batch-size "$BATCH" --lr 1e-3 --eval-every 400 --checkpoint-every 1000000 --qlora off 2>&1 | tee -a "$LOG"
$PY - "$WORK/lora" "$ARTIFACTS/lora" <<'PY'
import shutil, sys
from safetensors.torch import load_file, save_file
src, dst = sys.argv[1], sys.argv[2]
save_file({k: v.half() for k, v in load_file(f"{src}/adapter_model.safetensors").items()},
          f"{dst}/adapter_model.safetensors")
shutil.copy(f"{src}/adapter_config.json", dst)
PY
stamp "merge"
$PY scripts/finetune/merge_lora.py --base-model "$WORK/base" --lora-path "$WORK/lora" --output "$WORK/merged" 2>&1 \
    | grep -v "it/s" | tee -a "$LOG"

stamp "ternary QAT (${QAT_SECONDS}s each, lr ${QAT_LRS})"
pids=()
for lr in $QAT_LRS; do
    $PY scripts/finetune/train_ternary_qat.py --base-model "$WORK/merged" --teacher "$WORK/merged" \
        --dataset "$DATA/train.npz" --validation "$DATA/val.npz" --output "$WORK/qat-$lr" \
        --time-budget "$QAT_SECONDS" --steps 100000 --batch-size "$BATCH" --lr "$lr" --warmup 100 \
        --eval-every 500 --checkpoint-every 1000000 > "$WORK/qat-$lr.log" 2>&1 &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for lr in $QAT_LRS; do
    echo "-- QAT lr $lr" >> "$LOG"; grep -v "it/s" "$WORK/qat-$lr.log" >> "$LOG" || true
done
# The better run by its final validation (lines whose every token is right); the first on a tie.
best=$($PY - "$WORK" $QAT_LRS 2> >(tee -a "$LOG" >&2) <<'PY'
import json, sys
work, scores = sys.argv[1], {}
for lr in sys.argv[2:]:
    try:
        finals = [json.loads(line) for line in open(f"{work}/qat-{lr}/train_log.jsonl") if '"final"' in line]
    except OSError:
        finals = []
    if finals:
        scores[lr] = finals[-1]["validation"]["line_exact"]
    print(f"QAT lr {lr}: validation line_exact {scores.get(lr, 'none: the run did not finish')}", file=sys.stderr)
print(max(scores, key=scores.get) if scores else "")
PY
)
[ -n "$best" ] || { stamp "no QAT run finished"; exit 1; }
stamp "keeping QAT lr $best"
cp "$WORK/qat-$best"/model-0000*.safetensors "$WORK/qat-$best/model.safetensors.index.json" \
   "$WORK/qat-$best/config.json" "$ARTIFACTS/ternary/"
echo "$best" > "$WORK/best_lr"
stamp "done"
