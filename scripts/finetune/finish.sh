#!/usr/bin/env bash
# After a training run (gpu_run.sh's artifacts, or a local one): the .tm2.bin models.
#
#   scripts/finetune/finish.sh RUN_DIR [BASE_HF_DIR]
#
# RUN_DIR holds lora/ (a PEFT adapter) and/or ternary/ (a QAT export, its embedding possibly left
# behind), or gpu_continue.sh's lr-LR/ folders of trained layers. Writes RUN_DIR/fp.q8.tm2.bin (the LoRA-merged model, q8_0), RUN_DIR/fp-ptq.tm2.bin (the
# same, ternarised after training: the post-training baseline) and RUN_DIR/qat.tm2.bin (the QAT
# model: ternary blocks, Q4_0 embedding and head; RUN_DIR/qat-lr-LR.tm2.bin for each lr-LR/), each marked as fine-tuned on the plain prompt.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${1:?usage: finish.sh RUN_DIR [BASE_HF_DIR]}
BASE=${2:-models/smollm2-135m-hf}
PY=${PYTHON:-.venv/bin/python}
BIN=${BIN:-.build/release/edgellm}
[ -f "$BASE/config.json" ] || { echo "error: no base model at $BASE (make models/smollm2-135m-hf/config.json)" >&2; exit 1; }
if [ -d "$RUN/lora" ]; then
    $PY scripts/finetune/merge_lora.py --base-model "$BASE" --lora-path "$RUN/lora" --output "$RUN/merged"
    $BIN convert "$RUN/merged" -o "$RUN/fp.q8.tm2.bin" --weights q8_0 --intent-prompt plain
    $BIN convert "$RUN/merged" -o "$RUN/fp-ptq.tm2.bin" --weights ternary --head q4_0 --intent-prompt plain
fi
if [ -d "$RUN/ternary" ]; then
    # An export has its embedding and tokenizer; a GPU run brings back neither (restore-embedding
    # writes both).
    [ -f "$RUN/ternary/embedding.safetensors" ] ||
        $PY scripts/finetune/ternary.py restore-embedding --base-model "$BASE" --model "$RUN/ternary"
    $BIN convert "$RUN/ternary" -o "$RUN/qat.tm2.bin" --weights ternary --head q4_0 --intent-prompt plain
fi
# gpu_continue.sh brings back only each run's packed layers (RUN/lr-LR/): the rest of the folder is
# the starting model's (START, a .tm2.bin), its embedding and tokenizer the base model's.
START=${START:-models/edgellm-home-135m.tm2.bin}
for dir in "$RUN"/lr-*/; do
    [ -f "$dir/model-00001-of-00002.safetensors" ] || continue
    lr=$(basename "$dir")
    folder="$dir/edgellm-home-135m"  # the name the converted file records
    rm -rf "$folder"
    $PY scripts/finetune/tm2.py "$START" "$folder"
    cp "$dir"/model-0000*.safetensors "$folder/"
    $PY scripts/finetune/ternary.py restore-embedding --base-model "$BASE" --model "$folder"
    $BIN convert "$folder" -o "$RUN/qat-$lr.tm2.bin" --weights ternary --head q4_0 --intent-prompt plain
done
ls -la "$RUN"/*.tm2.bin
