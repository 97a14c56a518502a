"""YAML reading that keeps line numbers and notices repeated keys (plain safe_load loses both)."""

from __future__ import annotations

import re
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


MAX_DEPTH = 20  # a bank file needs about 6 levels; deeper ones would exhaust Python's recursion limit
# Control characters other than tab, line feed and carriage return, and lone surrogates (which a "\ud800" escape
# makes): no page shows them and the database cannot store a surrogate.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class BankYamlLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts: plain safe_load would lose lines and hide duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

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
        """Refuse aliases (*name): bank files never need them, and a self-referencing one never ends.
        Refuse nesting deeper than MAX_DEPTH, which would otherwise end in a RecursionError."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in bank files", event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """A value YAML's own constructors fail on (2026-02-30, an integer of 5000 digits) is a problem at its line."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            why = "a number with too many digits" if "digits" in str(exc) else str(exc)
            message = f"cannot read this value ({why})"
            raise yaml.constructor.ConstructorError(None, None, message, node.start_mark) from None

    def construct_scalar(self, node: Any) -> Any:
        """Text the database cannot store or a page should not show: refuse it where it is written."""
        value = super().construct_scalar(node)
        found = _UNSTORABLE.search(value) if isinstance(value, str) else None
        if found:
            what = "a NUL character (\\0)" if found.group() == "\x00" else _describe(found.group())
            raise yaml.constructor.ConstructorError(None, None, f"text contains {what}", node.start_mark)
        return value


def _describe(char: str) -> str:
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"{kind} (U+{ord(char):04X})"


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
    try:
        loader = BankYamlLoader(text)
    except yaml.reader.ReaderError as exc:
        # The reader refuses raw control characters and U+FFFE/U+FFFF before parsing starts.
        line = text.count("\n", 0, exc.position) + 1
        message = f"character U+{exc.character:04X} is not allowed (no control characters, U+FFFE or U+FFFF)"
        return None, [Problem(file, line, "-", message)]
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
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # Belt and braces: whatever the YAML library raises outside its own error type stays a problem.
        return None, [Problem(file, 1, "-", f"cannot read this file as YAML ({type(exc).__name__}: {exc})")]
    finally:
        loader.dispose()
