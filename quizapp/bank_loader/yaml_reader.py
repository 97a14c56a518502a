"""YAML reading that keeps line numbers and notices repeated keys (plain safe_load loses both)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from quizapp.bank_loader.specs import Problem


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its line, its keys' lines and any repeated keys."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int]] = []


class BankYamlLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts: plain safe_load would lose lines and hide duplicate keys."""

    def construct_line_mapping(self, node: yaml.MappingNode) -> Iterator[LineDict]:
        """Build a LineDict, noting where every key is and which keys repeat."""
        data = LineDict(node.start_mark.line + 1)
        yield data
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # construct_mapping below reports the unhashable key
            line = key_node.start_mark.line + 1
            if key in data.key_lines:
                data.duplicates.append((key, line))
            else:
                data.key_lines[key] = line
        data.update(self.construct_mapping(node))

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Refuse aliases (*name): bank files never need them, and a self-referencing one never ends."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in bank files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_scalar(self, node: Any) -> Any:
        """Text with a NUL character cannot be stored; refuse it where it is written."""
        value = super().construct_scalar(node)
        if isinstance(value, str) and "\x00" in value:
            raise yaml.constructor.ConstructorError(None, None, "text contains a NUL character (\\0)", node.start_mark)
        return value


BankYamlLoader.add_constructor("tag:yaml.org,2002:map", BankYamlLoader.construct_line_mapping)


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """The data in one YAML file, or the problem that stopped it being read."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(file, 1, "-", f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, [Problem(file, 0, "-", f"cannot read: {exc.strerror}")]
    loader = BankYamlLoader(text)
    try:
        return loader.get_single_data(), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or str(exc)
        if exc.context and exc.context_mark:
            detail += f" ({exc.context} at line {exc.context_mark.line + 1})"
        return None, [Problem(file, mark.line + 1 if mark else 1, "-", f"malformed YAML: {detail}")]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1, "-", f"malformed YAML: {exc}")]
    finally:
        loader.dispose()
