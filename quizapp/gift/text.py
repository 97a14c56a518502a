"""GIFT text: escapes, the [html]/[markdown]/[plain]/[moodle] formats read into plain text, ids from names."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from markdown_it import MarkdownIt

# Escaped characters stand in as private-use code points while the structure is parsed.
ESCAPABLE = "~=#{}:"
_PLACEHOLDER = {ch: chr(0xE000 + n) for n, ch in enumerate(ESCAPABLE)}
_NEWLINE = chr(0xE006)
_BACKSLASH = chr(0xE007)
_RESERVED = re.compile("[\ue000-\ue007]")
_RESTORE = {v: k for k, v in _PLACEHOLDER.items()} | {_NEWLINE: "\n", _BACKSLASH: "\\"}

FORMATS = ("moodle", "html", "plain", "markdown")
_FORMAT = re.compile(r"\[(moodle|html|plain|markdown)\]")
_md = MarkdownIt("commonmark", {"html": False})

# Tags whose only effect is layout or emphasis: read as paragraphs and line breaks, emphasis dropped.
_BLOCK_TAGS = {"p", "div"}
_INLINE_TAGS = {"span", "strong", "b", "em", "i", "u", "code", "font"}


def has_reserved(text: str) -> bool:
    """True if the text holds a code point the parser uses as a placeholder (U+E000–U+E007)."""
    return _RESERVED.search(text) is not None


def hide_escapes(text: str) -> str:
    """Replace \\~ \\= \\# \\{ \\} \\: \\n and \\\\ with placeholders; other backslashes stay as written."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch == "\\" and nxt in _PLACEHOLDER:
            out.append(_PLACEHOLDER[nxt])
            i += 2
        elif ch == "\\" and nxt == "n":
            out.append(_NEWLINE)
            i += 2
        elif ch == "\\" and nxt == "\\":
            out.append(_BACKSLASH)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def restore(text: str) -> str:
    """The placeholders back as the characters they stand for."""
    return _RESERVED.sub(lambda m: _RESTORE[m.group()], text)


def escape(text: str) -> str:
    """Plain text written into GIFT: the special characters and newlines escaped (as Moodle's exporter does)."""
    text = text.replace("\\", "\\\\")
    for ch in ESCAPABLE:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r", "").replace("\n", "\\n")


def split_format(text: str, default: str) -> tuple[str, str]:
    """The [format] a text starts with (else the default) and the text without it."""
    match = _FORMAT.match(text)
    if match is None:
        return default, text
    return match.group(1), text[match.end() :]


def to_plain(text: str, fmt: str) -> tuple[str, list[str]]:
    """Text of a GIFT format as the plain text our questions hold, and what could not be carried over."""
    text = restore(text).strip()
    if fmt == "plain":
        return text, []
    if fmt == "markdown":
        return _html_to_plain(_md.render(text), keep_newlines=False)
    # moodle auto-format is HTML in which a line break is a <br>
    return _html_to_plain(text, keep_newlines=fmt == "moodle")


class _PlainText(HTMLParser):
    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_newlines = keep_newlines
        self.parts: list[str] = []
        self.unsupported: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag not in _INLINE_TAGS and tag not in self.unsupported:
            self.unsupported.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.keep_newlines:
            self.parts.append(re.sub(r"[ \t\f\v]+", " ", data))
        else:
            self.parts.append(re.sub(r"\s+", " ", data))


def _html_to_plain(html: str, keep_newlines: bool) -> tuple[str, list[str]]:
    parser = _PlainText(keep_newlines)
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    problems = [
        f"HTML <{tag}> cannot be shown in our plain-text questions; remove it or describe it in words"
        for tag in parser.unsupported
    ]
    return text, problems


_NOT_ID = re.compile(r"[^A-Za-z0-9._-]+")
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def slug_id(name: str) -> str:
    """A question id from a GIFT name: kept as written when it is already a valid id, else slugified."""
    if VALID_ID.fullmatch(name):
        return name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_ID.sub("-", ascii_name).strip("-._")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:80].rstrip("-._")
