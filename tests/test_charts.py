"""The SVG bar chart: valid SVG, accessible, classes only, scaled, and the numbers also as a table."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from quizapp.charts import Bar, bar_chart, label_step, label_width

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_scaled_to_the_largest_value_and_listed_as_a_table():
    chart = bar_chart(
        [Bar("0–10", 2), Bar("10–20", 4, "chart-bar-fail"), Bar("20–30", 0)],
        title="Scores",
        description="How many attempts scored in each band",
        chart_id="Score histogram!",
        headings=("Score band (%)", "Attempts"),
    )
    root = ET.fromstring(str(chart.svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "score-histogram-title score-histogram-desc"
    assert root.find(f"{SVG}title").text == "Scores"
    assert root.find(f"{SVG}desc").text == "How many attempts scored in each band"
    rects = root.findall(f".//{SVG}rect")
    heights = [float(r.get("height")) for r in rects]
    assert heights[1] == 220 - 36 - 24  # the largest bar fills the plot
    assert heights[0] == heights[1] / 2
    assert heights[2] == 0
    assert [r.find(f"{SVG}title").text for r in rects] == ["0–10: 2", "10–20: 4", "20–30: 0"]
    groups = root.findall(f"{SVG}g")
    assert [g.get("class") for g in groups] == ["chart-bar", "chart-bar chart-bar-fail", "chart-bar"]
    assert chart.headings == ("Score band (%)", "Attempts")
    assert chart.rows == [("0–10", 2), ("10–20", 4), ("20–30", 0)]


def test_no_inline_style_or_script_and_text_is_escaped():
    chart = bar_chart([Bar("<script>alert(1)</script>", 1.5)], title="a & b", description="<b>", chart_id="x")
    text = str(chart.svg)
    root = ET.fromstring(text)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{SVG}style", f"{SVG}script")
        assert not any(name.startswith("on") for name in element.attrib)
    assert "<script>" not in text
    assert root.find(f"{SVG}title").text == "a & b"
    assert [t.text for t in root.iter(f"{SVG}text")] == ["1.5", "<script>alert(1)</script>"]


def test_an_empty_chart_says_so():
    chart = bar_chart([], title="Nothing yet", description="No attempts", chart_id="empty")
    root = ET.fromstring(str(chart.svg))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data"]
    assert chart.rows == []


def test_crowded_labels_are_thinned_the_newest_kept_and_the_table_complete():
    """Twelve weeks of "10 Sep" overlap at any width (the chart scales as a whole): every other label, the
    newest week's always, while each bar's title and the table keep all twelve."""
    weeks = ["3 Sep", "10 Sep", "17 Sep", "24 Sep", "1 Oct", "8 Oct", "15 Oct", "22 Oct", "29 Oct", "5 Nov"]
    weeks += ["12 Nov", "19 Nov"]
    chart = bar_chart([Bar(w, i) for i, w in enumerate(weeks)], title="Weeks", description="d", chart_id="w")
    root = ET.fromstring(str(chart.svg))
    shown = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert shown == weeks[1::2] and shown[-1] == "19 Nov"
    assert [r.find(f"{SVG}title").text.split(":")[0] for r in root.iter(f"{SVG}rect")] == weeks
    assert [label for label, _ in chart.rows] == weeks
    xs = [float(t.get("x")) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    pairs = zip(xs, xs[1:], shown, shown[1:], strict=False)
    assert all(b - a >= (label_width(p) + label_width(q)) / 2 for a, b, p, q in pairs)


def test_labels_that_fit_are_all_shown():
    statuses = ["Valid", "Valid, expiring soon", "Expired", "Revoked", "No certificate"]
    chart = bar_chart([Bar(s, 1) for s in statuses], title="Status", description="d", chart_id="s")
    root = ET.fromstring(str(chart.svg))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"] == statuses
    assert label_step(["a"] * 3, 150) == 1
    assert label_step(["a very long label indeed"] * 3, 20) == 3  # one label at most: never an overlap
    assert label_step([], 464) == 1
