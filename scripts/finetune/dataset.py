"""Training examples as token ids, exactly as the agent feeds them to the model.

An example is the home's prompt prefix (the system message naming its intents, areas and entities;
`scripts/data/prompt.py` renders what Swift's `PromptPrefix(examples: false)` does), the command, the
turn suffix, and the target: the intent line plus the end-of-turn token. Each part is tokenized on
its own, as the Swift side does, and the loss is taken on the target alone.

Two JSONL forms are read:
- ours (`scripts/data/generate.py`): `{"text", "output", "home_id", ...}` with `homes.jsonl` beside it;
- the original EdgeLLM's: `{"instruction", "input"?, "output"}`, rendered as one user turn with the
  model's chat template (no home), so users can bring their own examples.

A tokenized set is saved as .npz (uint16 ids; prefixes stored once per distinct text), which is what
travels to a GPU machine: 60k examples fit in a few MB.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

END_OF_TURN = "<|im_end|>"


@dataclass
class TokenizedSet:
    """Ragged arrays: example i is prefixes[home[i]] + prompts[i] + targets[i]."""

    prefixes: list[np.ndarray]
    home: np.ndarray
    prompts: list[np.ndarray]
    targets: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.prompts)

    def save(self, path: Path) -> None:
        def ragged(parts):
            offsets = np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)
            return np.concatenate(parts).astype(np.uint16) if parts else np.zeros(0, np.uint16), offsets

        arrays = {}
        for name, parts in (("prefix", self.prefixes), ("prompt", self.prompts), ("target", self.targets)):
            arrays[f"{name}_ids"], arrays[f"{name}_offsets"] = ragged(parts)
        np.savez_compressed(path, home=self.home.astype(np.int32), **arrays)

    @staticmethod
    def load(path: Path) -> "TokenizedSet":
        z = np.load(path)

        def split(name):
            ids, offsets = z[f"{name}_ids"].astype(np.int64), z[f"{name}_offsets"]
            return [ids[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]

        return TokenizedSet(split("prefix"), z["home"].astype(np.int64), split("prompt"), split("target"))


class ExampleEncoder:
    def __init__(self, model_dir: Path):
        from tokenizers import Tokenizer

        if not (model_dir / "tokenizer.json").is_file():
            raise SystemExit(f"error: no tokenizer.json in {model_dir}: tokenize the set with dataset.py "
                             "--base-model FOLDER_WITH_TOKENIZER first and train on the .npz")
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.end_of_turn = self.tokenizer.token_to_id(END_OF_TURN)
        if self.end_of_turn is None:
            raise SystemExit(f"error: the tokenizer in {model_dir} has no {END_OF_TURN} token")
        template = model_dir / "chat_template.jinja"
        self.chat_template = template.read_text() if template.exists() else None

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def user_turn(self) -> tuple[str, str]:
        """The text before and after a user message with no home: the model's own chat template."""
        import jinja2

        if self.chat_template is None:
            return "", "\n"
        marker = "\u0001"
        rendered = jinja2.Environment().from_string(self.chat_template).render(
            messages=[{"role": "user", "content": marker}], add_generation_prompt=True)
        before, after = rendered.split(marker, 1)
        return before, after

    def tokenize(self, records) -> TokenizedSet:
        """`records`: dataset_io Records (scripts/data), either form."""
        from prompt import prompt_parts

        prefix_index: dict[str, int] = {}
        prefixes, home, prompts, targets = [], [], [], []
        suffix_cache: dict[str, list[int]] = {}
        for r in records:
            if r.instruction:
                prefix, suffix = self.user_turn()
            elif r.home is None:
                raise SystemExit(f"error: example {r.text!r} names home {r.home_id!r}, not in homes.jsonl")
            else:
                prefix, suffix = prompt_parts(r.home)
            command = r.text
            if prefix not in prefix_index:
                prefix_index[prefix] = len(prefixes)
                prefixes.append(np.array(self.encode(prefix), np.int64))
            if suffix not in suffix_cache:
                suffix_cache[suffix] = self.encode(suffix)
            home.append(prefix_index[prefix])
            prompts.append(np.array(self.encode(command) + suffix_cache[suffix], np.int64))
            targets.append(np.array(self.encode(r.output) + [self.end_of_turn], np.int64))
        return TokenizedSet(prefixes, np.array(home, np.int64), prompts, targets)


def read_records(path: Path) -> list:
    """The dataset_io Records of a JSONL file in either form, with the homes of homes.jsonl beside it
    (edgellm eval's form carries its homes inline)."""
    if not path.exists():
        raise SystemExit(f"error: no such dataset: {path}")
    from dataset_io import read_homes, read_jsonl

    homes_file = path.parent / "homes.jsonl"
    homes = read_homes(homes_file) if homes_file.exists() else {}
    try:
        return list(read_jsonl(path, homes))
    except ValueError as e:
        raise SystemExit(f"error: {e}")


def load_dataset(path: Path, model_dir: Path) -> TokenizedSet:
    """A .npz made by `tokenize`, or a JSONL file (with homes.jsonl beside it for our form)."""
    if path.suffix == ".npz" and path.exists():
        return TokenizedSet.load(path)
    return ExampleEncoder(model_dir).tokenize(read_records(path))


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Tokenize a JSONL training set into a compact .npz")
    parser.add_argument("--base-model", type=Path, required=True, help="a folder with tokenizer.json")
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    data = load_dataset(args.dataset, args.base_model)
    data.save(args.out)
    lengths = [len(data.prefixes[h]) + len(p) + len(t) for h, p, t in zip(data.home, data.prompts, data.targets)]
    print(f"{args.out}: {len(data)} examples, {len(data.prefixes)} prompt prefixes, "
          f"tokens per example median {int(np.median(lengths))} max {max(lengths)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
