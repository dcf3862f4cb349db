# EdgeLLM: `make run` sets everything up, generates text with the default model and shows the
# agent answering MQTT commands;
# `make test` sets everything up and runs every test.
SWIFT ?= swift
BIN := .build/release/edgellm
GGUF := models/SmolLM2-135M-Instruct.Q4_1.gguf
MODEL_Q8 := models/smollm2-135m.q8.tm2.bin
MODEL_TERNARY := models/smollm2-135m.tm2.bin
PROMPT ?= Turn on the kitchen lights and tell me a fun fact about kitchens.
AGENT_CONFIG ?= config/agent.yaml

.PHONY: all setup build model run test clean agent-demo agent-bench

all: build

setup: .venv/bin/python

.venv/bin/python: scripts/setup.sh
	scripts/setup.sh

build: setup
	$(SWIFT) build -c release --product edgellm

$(GGUF): scripts/fetch_model.sh | setup
	scripts/fetch_model.sh
	@touch $@

$(MODEL_Q8): $(GGUF) | build
	$(BIN) convert $(GGUF) -o $@ --weights q8_0

$(MODEL_TERNARY): $(GGUF) | build
	$(BIN) convert $(GGUF) -o $@ --weights ternary

model: build $(MODEL_Q8) $(MODEL_TERNARY)

run: model
	@echo "== $(MODEL_Q8), chat, greedy" >&2
	$(BIN) $(MODEL_Q8) --chat -i "$(PROMPT)" -n 64 -t 0
	@echo "== $(MODEL_TERNARY) (post-training ternary: fine-tuning restores quality), sampled" >&2
	$(BIN) $(MODEL_TERNARY) -i "The kitchen lights" -n 32 -t 0.7 -p 0.9 -s 1
	@echo "== the home-automation agent over MQTT (intents come right once the model is fine-tuned)" >&2
	$(MAKE) --no-print-directory agent-demo

# The home-automation agent at work: a local mosquitto broker (unless the config names a reachable
# one), `edgellm agent` on the q8_0 model, a few commands and their replies, then a clean stop.
agent-demo: build $(MODEL_Q8)
	BIN=$(BIN) CONFIG=$(AGENT_CONFIG) MODEL=$(MODEL_Q8) scripts/agent_demo.sh

# A bounded load test of the agent with its keyword stand-in at 50 ms a command (BENCHMARKS-agent.md).
agent-bench: build
	scripts/bench/agent_load.py --spawn --bin $(BIN) --recognizer keyword --keyword-cost-ms 50 -n 200 -r 10

test: model
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/kernels/test_neon.sh

clean:
	rm -rf .build models/*.tm2.bin
