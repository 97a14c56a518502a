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
    markup = re.sub(r"{{.*?}}|{%.*?%}", "", text, flags=re.S)  # url_for(..., only=...) is no handler
    assert not re.search(r"\son[a-z]+\s*=", markup), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "asset from another host"


def test_templates_found():
    assert len(TEMPLATES) > 20


def test_every_page_names_a_favicon_that_is_served(client):
    page = client.get("/auth/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    with client.get(href) as response:
        assert response.status_code == 200 and b"<svg" in response.data


def test_the_multiple_choice_hint_is_not_repeated_when_the_stem_says_it():
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(ROOT / "templates"), autoescape=True)
    template = env.get_template("questions/_multiple.html")
    qp = {"options": [{"value": 0, "text": "a"}, {"value": 1, "text": "b"}]}
    context = {"qp": qp, "name": "answer", "current": None, "error": None, "qid": "q1"}
    said = template.render(**context, stem="Which? Select ALL that apply.")
    unsaid = template.render(**context, stem="Which are right?")
    assert said.lower().count("that apply") == 1 and unsaid.count("Select all that apply.") == 1


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_palette_meets_wcag_aa():
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    palette = dict(re.findall(r"--cp-([a-z-]+):\s*(#[0-9a-f]{6})", css))
    for text in ("ink", "ink-soft", "teal", "teal-dark", "success", "danger"):
        assert contrast(palette[text], "#ffffff") >= 4.5, text
    assert contrast(palette["warning-ink"], palette["warning-bg"]) >= 4.5
    assert contrast(palette["control"], "#ffffff") >= 3  # radio, checkbox and select borders
    assert re.search(r"\.form-check-input, \.form-control, \.form-select \{ border-color: var\(--cp-control\); \}", css)
