# EdgeLLM: `make run` sets everything up, generates text with the default model and shows the
# agent answering MQTT commands;
# `make test` sets everything up and runs every test.
SWIFT ?= swift
BIN := .build/release/edgellm
GGUF := models/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_Q8 := models/smollm2-135m.q8.tm2.bin
MODEL_TERNARY := models/smollm2-135m.tm2.bin
# The intent model: the fine-tune's LoRA adapter (committed) merged into the default GGUF, q8_0; and
# its ternary sibling, trained to BitNet b1.58 weights (committed). models/edgellm-home-135m.md.
HOME_ADAPTER := models/edgellm-home-lora
MODEL_HOME_Q8 := models/edgellm-home-135m.q8.tm2.bin
MODEL_HOME_TERNARY := models/edgellm-home-135m.tm2.bin
PROMPT ?= Turn on the kitchen lights and tell me a fun fact about kitchens.
AGENT_CONFIG ?= config/agent.yaml

HF_BASE := models/smollm2-135m-hf
DATA := .run/data/intents

.PHONY: all setup build static model run test clean agent-demo agent-bench data train-setup test-train finetune

all: build

setup: .venv/bin/python

.venv/bin/python: scripts/setup.sh scripts/data/requirements.txt
	scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product edgellm

# The binary for a device: the Swift runtime linked in, so the device needs no Swift installation
# (only libmosquitto), and 6 MiB less resident memory than the shared-library build (BENCHMARKS.md).
static: setup
	$(SWIFT) build -c release --product edgellm --static-swift-stdlib --scratch-path .build-static

$(GGUF): scripts/fetch_model.sh | setup
	scripts/fetch_model.sh
	@touch $@

$(MODEL_Q8): $(GGUF) | build
	$(BIN) convert $(GGUF) -o $@ --weights q8_0

$(MODEL_TERNARY): $(GGUF) | build
	$(BIN) convert $(GGUF) -o $@ --weights ternary

$(MODEL_HOME_Q8): $(GGUF) $(HOME_ADAPTER)/adapter_model.safetensors | build
	$(BIN) convert $(GGUF) --lora $(HOME_ADAPTER) -o $@ --weights q8_0 --intent-prompt plain

model: build $(MODEL_Q8) $(MODEL_TERNARY) $(MODEL_HOME_Q8)

run: model
	@echo "== $(MODEL_Q8), chat, greedy" >&2
	$(BIN) $(MODEL_Q8) --chat -i "$(PROMPT)" -n 64 -t 0
	@echo "== $(MODEL_TERNARY) (post-training ternary: fine-tuning restores quality), sampled" >&2
	$(BIN) $(MODEL_TERNARY) -i "The kitchen lights" -n 32 -t 0.7 -p 0.9 -s 1
	@echo "== the shipped ternary intent model on the committed commands (edgellm eval)" >&2
	$(BIN) eval $(MODEL_HOME_TERNARY) --home Tests/Fixtures/intents/home.json --data Tests/Fixtures/intents/commands.jsonl --limit 12
	@echo "== the home-automation agent over MQTT, on the ternary intent model" >&2
	$(MAKE) --no-print-directory agent-demo

# The home-automation agent at work: a local mosquitto broker (unless the config names a reachable
# one), `edgellm agent` on the ternary intent model, a few commands and their replies, then a clean stop.
agent-demo: build
	BIN=$(BIN) CONFIG=$(AGENT_CONFIG) MODEL=$(MODEL_HOME_TERNARY) scripts/agent_demo.sh

# A bounded load test of the agent with its keyword stand-in at 50 ms a command (BENCHMARKS-agent.md).
agent-bench: build
	scripts/bench/agent_load.py --spawn --bin $(BIN) --recognizer keyword --keyword-cost-ms 50 -n 200 -r 10

test: model
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/kernels/test_neon.sh
	.venv/bin/python -m unittest discover -s scripts/data/tests

# ---- the intent model: data, fine-tuning, quantization-aware training (scripts/data, scripts/finetune) ----

# Training data from Home Assistant's sentence templates: train / val / test splits over random homes.
data: setup
	.venv/bin/python scripts/data/generate.py --seed 1 --out $(DATA)

# PyTorch and friends (~3 GB): only for training, never for running the agent.
train-setup: setup
	.venv/bin/python -m pip install --quiet -r scripts/finetune/requirements-train.txt

# The training scripts end to end on a tiny random model.
test-train: train-setup build
	.venv/bin/python -m unittest discover -s scripts/finetune/tests -v

$(HF_BASE)/config.json: $(GGUF) | train-setup
	.venv/bin/python scripts/finetune/export_base.py $(GGUF) $(HF_BASE)

# LoRA fine-tune, merge, ternary QAT, conversion, on this machine (CUDA if present). The default
# budgets (LORA_SECONDS=100, QAT_SECONDS=290) are an H200's; on a CPU raise them to hours, or the
# model is barely trained (scripts/finetune/README.md).
finetune: data $(HF_BASE)/config.json build
	for s in train val; do .venv/bin/python scripts/finetune/dataset.py --base-model $(HF_BASE) \
	    --dataset $(DATA)/$$s.jsonl --out $(DATA)/$$s.npz; done
	BASE_MODEL=$(HF_BASE) DATA=$(DATA) ARTIFACTS=runs/local PYTHON=.venv/bin/python scripts/finetune/gpu_run.sh
	scripts/finetune/finish.sh runs/local $(HF_BASE)

clean:
	rm -rf .build .build-static
	rm -f $(MODEL_Q8) $(MODEL_TERNARY) $(MODEL_HOME_Q8)
