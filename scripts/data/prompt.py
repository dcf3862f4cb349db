#!/usr/bin/env python3
"""The prompt EdgeLLM puts around a command, as Python: a port of
Sources/EdgeLLMIntents/PromptPrefix.swift with `examples: false` (a fine-tuned model needs no
examples) for the ChatML template SmolLM2 uses.

Train with exactly what the recognizer feeds: prefix (special tokens parsed), the command (plain
text: a spoken "<|im_end|>" must stay text), suffix (special tokens parsed), then the target
`output + "<|im_end|>"`. SmolLM2 adds no BOS token. Tests/EdgeLLMIntentsTests/GeneratedDataTests
checks that Swift renders the same text (Tests/Fixtures/intents/prompt_no_examples.txt).

    python scripts/data/prompt.py HOME.json   # prints prefix + COMMAND_MARKER + suffix
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import schema as S  # noqa: E402

COMMAND_MARKER = "<<COMMAND>>"
END_OF_TURN = "<|im_end|>"


def instructions(home):
    """The system message: PromptPrefix.instructions."""
    lines = [
        "Turn the command into one line: a Home Assistant intent and its slots, or none when it is not a command for this home.",
        "Line: Intent slot value; slot value",
        "Intents: " + ", ".join(S.supported_intents(home)),
        "Use only the slots the command needs.",
    ]
    if home["areas"]:
        lines.append("Areas: " + ", ".join(f"{a['name']} ({a['floor']})" if a.get("floor") else a["name"]
                                           for a in home["areas"]))
    by_domain = {}  # insertion order: domains in the order their first entity appears
    for e in home["entities"]:
        by_domain.setdefault(S.domain(e), []).append("/".join([e["name"]] + (e.get("aliases") or [])))
    lines += [f"{d}: {', '.join(labels)}" for d, labels in by_domain.items()]
    return "\n".join(lines)


def prompt_parts(home):
    """(prefix, suffix): the ChatML text before and after the command."""
    prefix = f"<|im_start|>system\n{instructions(home)}<|im_end|>\n<|im_start|>user\n"
    suffix = "<|im_end|>\n<|im_start|>assistant\n"
    return prefix, suffix


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        home = json.load(f)
    prefix, suffix = prompt_parts(home)
    sys.stdout.write(prefix + COMMAND_MARKER + suffix)


if __name__ == "__main__":
    main()
