"""Reading training lines in either form, into one record.

- This generator's form: {"text", "intent", "slots", "output", "home_id", ...}.
- The original EdgeLLM's instruction form: {"instruction", "input"?, "output"}. The command is
  `instruction` (with `input` appended on a new line when present); `output` is the target line.

    from dataset_io import read_jsonl
    for record in read_jsonl("train.jsonl", homes="homes.jsonl"):
        record.text, record.output, record.home   # home: None where the line names none

`Record.output` is always the target text as given; `intent` and `slots` are parsed from it when
the line does not carry them (None / {} when it is not a line in EdgeLLM's output syntax).
"""

import dataclasses
import json

import schema as S


@dataclasses.dataclass
class Record:
    text: str
    output: str
    intent: object = None  # str, or None for `none` / unparseable output
    slots: dict = dataclasses.field(default_factory=dict)
    home_id: object = None
    home: object = None  # the home dict, when known
    context: object = None
    instruction: bool = False  # the original EdgeLLM's form: a command with no home


def from_line(obj, homes=None):
    """One JSON object in either form as a Record."""
    if "instruction" in obj:
        text = obj["instruction"] + (("\n" + obj["input"]) if obj.get("input") else "")
        output = obj["output"]
        try:
            intent, slots = S.parse(output)
        except ValueError:
            intent, slots = None, {}
        if intent not in S.INTENTS:
            intent, slots = None, {}
        return Record(text=text, output=output, intent=intent, slots=slots, instruction=True)
    if "text" in obj:
        output = obj.get("output") or S.serialise(obj.get("intent"), obj.get("slots") or {})
        home_id = obj.get("home_id")
        home = obj.get("local_home") or (homes or {}).get(home_id)
        return Record(text=obj["text"], output=output, intent=obj.get("intent"), slots=obj.get("slots") or {},
                      home_id=home_id, home=home, context=obj.get("context"))
    raise ValueError("neither {instruction, output} nor {text, ...}: " + ", ".join(sorted(obj)))


def read_homes(path):
    """homes.jsonl as {id: home}."""
    with open(path, encoding="utf-8") as f:
        return {o["id"]: o["home"] for o in map(json.loads, filter(str.strip, f))}


def read_jsonl(path, homes=None):
    """Records of a JSON-lines file; `homes`: a homes.jsonl path or {id: home}."""
    if isinstance(homes, str):
        homes = read_homes(homes)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield from_line(json.loads(line), homes)
                except (ValueError, KeyError) as e:
                    raise ValueError(f"{path}:{n}: {e}") from None
