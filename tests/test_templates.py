"""Templates keep a strict Content-Security-Policy possible: no inline script, style or handlers, no CDN."""

from __future__ import annotations

import re

import pytest

from quizapp import ROOT

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_inline_script_style_or_cdn(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\sstyle\s*=", text), "style= attribute"
    assert not re.search(r"<style\b", text), "<style> block"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "asset from another host"


def test_templates_found():
    assert len(TEMPLATES) > 20
