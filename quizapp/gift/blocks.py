"""Lexing a GIFT file: blocks separated by blank lines, their `// @key: value` metadata comments, a block's
::name::, the question id made from it, the line of an offset; GiftProblem, which every later step raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizapp.gift.text import restore, slug_id

META_KEYS = ("source", "tags", "group", "points", "critical", "review_status", "assessed", "unit")
_META = re.compile(r"//\s*@([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)")


class GiftProblem(Exception):
    """One thing wrong in a question block; the block is reported and skipped."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class Block:
    """One question block: its first line, its text with comment lines blanked, its metadata comments."""

    start: int
    text: str
    meta: dict[str, tuple[str, int]] = field(default_factory=dict)
    meta_problems: list[tuple[int, str]] = field(default_factory=list)


def split_blocks(text: str) -> list[Block]:
    """Blocks of lines separated by blank lines; comment lines blanked (so offsets keep their line)."""
    blocks: list[Block] = []
    current: list[str] = []
    start = 1
    meta: dict[str, tuple[str, int]] = {}
    meta_problems: list[tuple[int, str]] = []
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        stripped = line.strip()
        if not stripped:
            if current:
                blocks.append(Block(start, "\n".join(current), meta, meta_problems))
            current, meta, meta_problems = [], {}, []
            start = number + 1
            continue
        if stripped.startswith("//"):
            match = _META.fullmatch(stripped)
            if match:
                key, value = match.group(1), match.group(2).strip()
                if key not in META_KEYS:
                    meta_problems.append((number, f"unknown metadata '@{key}'; known: {', '.join(META_KEYS)}"))
                elif key in meta:
                    meta_problems.append((number, f"metadata '@{key}' given twice"))
                else:
                    meta[key] = (value, number)
            current.append("")
        else:
            current.append(line)
    return blocks


def line_of(block: Block, hidden: str, offset: int) -> int:
    """The file line of an offset into the block's text (problems are reported by line)."""
    return block.start + hidden.count("\n", 0, max(offset, 0))


def question_name(hidden: str) -> tuple[str, str | None]:
    """The ::name:: of a block (empty if none) and a problem if it is not closed."""
    body = hidden.lstrip()
    if not body.startswith("::"):
        return "", None
    end = body.find("::", 2)
    if end == -1:
        return "", "question name opened with '::' is not closed with '::'"
    return restore(body[2:end]).strip(), None


def unique_id(wanted: str, used: set[str], filename: str, number: int) -> str:
    """A question id not used before in this file: the slug of the name, else one made from the file name."""
    if not wanted:
        stem = slug_id(filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]) or "gift"
        wanted = f"{stem[:70]}-{number:03d}"
    qid, n = wanted, 2
    while qid in used:
        qid = f"{wanted[:75]}-{n}"
        n += 1
    used.add(qid)
    return qid
