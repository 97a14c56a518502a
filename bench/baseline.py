"""The baseline the benchmark compares quizapp with: bare Flask, served by the same gunicorn settings.

`/` returns a constant; `/page` renders a compiled Jinja template to a page of BASELINE_PAGE_BYTES bytes
(bench/run.py sets it to the size of quizapp's question page), so the ratio shows what the app's own
work costs on top of Flask, Jinja and gunicorn.
"""

from __future__ import annotations

import os

from flask import Flask

PAGE_BYTES = int(os.environ.get("BASELINE_PAGE_BYTES", "12000"))

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{% for row in rows %}<p class="row-{{ loop.index }}">{{ row.text }} <a href="/item/{{ row.id }}">{{ row.label }}</a></p>
{% endfor %}{{ tail }}</main></body></html>
"""

app = Flask(__name__)
template = app.jinja_env.from_string(TEMPLATE)  # compiled once, rendered per request


def _context(rows: int, tail: int = 0) -> dict:
    return {
        "title": "Baseline page",
        "rows": [
            {"id": i, "text": f"Row {i} of the baseline page, escaped & rendered", "label": "open"} for i in range(rows)
        ],
        "tail": "x" * tail,
    }


def _fit(size: int) -> dict:
    """A context whose rendering is `size` bytes long."""
    one = len(template.render(**_context(1)).encode()) - len(template.render(**_context(0)).encode())
    rows = max(0, (size - len(template.render(**_context(0)).encode())) // max(one, 1))
    tail = max(0, size - len(template.render(**_context(rows)).encode()))
    return _context(rows, tail)


CONTEXT = _fit(PAGE_BYTES)


@app.route("/")
def constant() -> str:
    return "<!doctype html><p>hello</p>"


@app.route("/page")
def page() -> str:
    return template.render(**CONTEXT)


@app.route("/healthz")
def healthz() -> str:
    return "ok\n"
