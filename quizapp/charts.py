"""Server-rendered SVG bar charts: classes only (no inline styles or scripts), a <title> and <desc> for screen
readers, and the same numbers returned as a table for the page to show beside the picture."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal

_WIDTH, _HEIGHT = 480, 220
_TOP, _BOTTOM, _LEFT, _RIGHT = 24, 36, 8, 8  # room for value labels above and category labels below
_FONT = 12  # px of the chart-label class (static/css/manager.css), in the viewBox's units
_GAP = 6  # the least room between two category labels
# a label's width in ems per character: the chart is scaled as a whole, so what overlaps in the viewBox
# overlaps at every screen width; system-ui digits and letters average about 0.58 em
_NARROW, _WIDE, _AVERAGE = 0.3, 0.85, 0.58


@dataclass(frozen=True)
class Bar:
    """One bar: its category label, its value, and an optional extra CSS class (e.g. to mark a band)."""

    label: str
    value: Number
    css_class: str = ""


@dataclass(frozen=True)
class BarChart:
    """The SVG to embed, and the numbers as (label, value) rows with their column headings."""

    svg: Markup
    headings: tuple[str, str]
    rows: list[tuple[str, Number]]


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    chart_id: str,
    headings: tuple[str, str] = ("Category", "Value"),
    top: Number | None = None,
) -> BarChart:
    """A vertical bar chart scaled to the largest value (or to `top`, e.g. 100 for percents); style it with
    the chart-* classes."""
    safe_id = re.sub(r"[^a-z0-9-]+", "-", chart_id.lower()).strip("-") or "chart"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'role="img" aria-labelledby="{safe_id}-title {safe_id}-desc">',
        f'<title id="{safe_id}-title">{escape(title)}</title>',
        f'<desc id="{safe_id}-desc">{escape(description)}</desc>',
    ]
    base = _HEIGHT - _BOTTOM
    parts.append(f'<line class="chart-axis" x1="{_LEFT}" y1="{base}" x2="{_WIDTH - _RIGHT}" y2="{base}"/>')
    if not bars:
        parts.append(f'<text class="chart-empty" x="{_WIDTH // 2}" y="{base // 2}" text-anchor="middle">No data</text>')
    largest = max((float(bar.value) for bar in bars), default=0.0) if top is None else float(top)
    slot = (_WIDTH - _LEFT - _RIGHT) / max(len(bars), 1)
    step = label_step([bar.label for bar in bars], slot)
    for index, bar in enumerate(bars):
        value = float(bar.value)
        height = (base - _TOP) * value / largest if largest > 0 else 0.0
        x = _LEFT + index * slot
        middle = x + slot / 2
        classes = " ".join(["chart-bar", *([bar.css_class] if bar.css_class else [])])
        parts += [
            f'<g class="{escape(classes)}">',
            f'<rect x="{x + slot * 0.1:.1f}" y="{base - height:.1f}" width="{slot * 0.8:.1f}" height="{height:.1f}">'
            f"<title>{escape(bar.label)}: {escape(_number(bar.value))}</title></rect>",
            f'<text class="chart-value" x="{middle:.1f}" y="{base - height - 4:.1f}" text-anchor="middle">'
            f"{escape(_number(bar.value))}</text>",
        ]
        if (len(bars) - 1 - index) % step == 0:  # the last bar (the newest week) always has its label
            parts.append(
                f'<text class="chart-label" x="{middle:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{escape(bar.label)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return BarChart(svg=Markup("".join(parts)), headings=headings, rows=[(bar.label, bar.value) for bar in bars])


def label_width(label: str) -> float:
    """About how wide a category label is drawn, in the viewBox's units."""
    ems = sum(_NARROW if c in " .,:;|!'il1()" else _WIDE if c in "mwMW%@" else _AVERAGE for c in label)
    return ems * _FONT


def label_step(labels: Sequence[str], slot: float) -> int:
    """Label every n-th bar, n as small as lets no two shown labels overlap: 1 when all fit, 2 for the
    twelve weeks of "10 Sep" on the dashboard. The table beside the chart keeps every label."""
    widths = [label_width(label) for label in labels]
    for step in range(1, max(len(labels), 1) + 1):
        shown = widths[(len(widths) - 1) % step :: step]
        if all((a + b) / 2 + _GAP <= step * slot for a, b in zip(shown, shown[1:], strict=False)):
            return step
    return max(len(labels), 1)


def _number(value: Number) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
