"""Reading reference YAML strictly: plain strings stay strings, duplicate keys are errors, entries know their line.

PyYAML follows YAML 1.1, where `NO` (Norway's ISO code) reads as false and `2022-13-40` raises inside the parser
with no entry to name. Here only `true`/`false` are booleans and dates stay strings, so the schema can reject a
bad date naming its file, entry and field.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class LineDict(dict):
    """A mapping read from YAML, remembering the line it starts on."""

    line: int = 0


# libyaml's parser when the wheel has it (several times faster); resolution and construction stay in Python.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_SafeBase):
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                )
            seen[key] = True
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|false)$"), list("tf"))


def _construct_map(loader: StrictLoader, node):
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


@dataclass(frozen=True)
class DataFile:
    name: str
    content: object
    checksum: str


class UnreadableFile(Exception):
    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def read(path: Path) -> DataFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile(path.name, "file not found") from exc
    try:
        content = yaml.load(raw.decode("utf-8"), Loader=StrictLoader)  # noqa: S506 (StrictLoader is a safe loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UnreadableFile(path.name, f"not valid YAML: {exc}") from exc
    return DataFile(name=path.name, content=content, checksum=hashlib.sha256(raw).hexdigest())
