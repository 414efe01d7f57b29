"""YAML that remembers where each mapping came from, so errors can name the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class LDict(dict[str, Any]):
    """A mapping with the 1-based line it started on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LList(list[Any]):
    line: int = 0


def load_yaml(text: str, name: str) -> Any:
    """Parse ``text``; raise ValueError("name:line: problem") when it is not YAML."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ValueError(f"{name}{line}: not valid YAML ({getattr(e, 'problem', None) or e})") from e
    if node is None:
        return None
    return _convert(node, yaml.SafeLoader(""))


def _convert(node: Any, loader: Any) -> Any:
    import yaml

    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            out[key] = _convert(value_node, loader)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = LList(_convert(v, loader) for v in node.value)
        items.line = node.start_mark.line + 1
        return items
    return loader.construct_object(node)


def read_yaml(path: Path) -> Any:
    return load_yaml(path.read_text(encoding="utf-8"), path.name)
