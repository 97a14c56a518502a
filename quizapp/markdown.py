"""Lesson Markdown: a real CommonMark renderer, then an allow-list sanitiser; a contents list from the
lesson's sections."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "h2": {"id"}}
# a wide table scrolls inside its own box (reachable by keyboard) instead of widening the page
TABLE_OPEN = '<div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways">'


@dataclass(frozen=True)
class Lesson:
    html: Markup
    contents: list[tuple[str, str]]  # (anchor, section title), in order


def _anchor(title: str, taken: set[str]) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = "s-" + (re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "section")
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


@lru_cache(maxsize=64)
def render_lesson(text: str) -> Lesson:
    """Safe HTML for a lesson, its sections (top-level headings) anchored and listed."""
    tokens = _md.parse(text or "")
    contents: list[tuple[str, str]] = []
    taken: set[str] = set()
    for n, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h1", "h2"):
            # the page title is the only h1; a lesson's own top-level headings become sections
            token.tag = tokens[n + 2].tag = "h2"
            title = "".join(c.content for c in tokens[n + 1].children or [] if c.type in ("text", "code_inline"))
            anchor = _anchor(title, taken)
            token.attrSet("id", anchor)
            contents.append((anchor, title))
    html = nh3.clean(
        _md.renderer.render(tokens, _md.options, {}),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    html = html.replace("<table>", TABLE_OPEN + "<table>").replace("</table>", "</table></div>")
    return Lesson(Markup(html), contents)


def render_markdown(text: str) -> Markup:
    """Safe HTML for a lesson; raw HTML in the source is shown as text, never run."""
    return render_lesson(text).html
