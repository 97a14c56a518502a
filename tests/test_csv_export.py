"""The CSV helper: BOM, header, ISO dates, formula-safe cells, streamed through a real Flask response."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import pytest
from flask import Flask, Response, stream_with_context

from quizapp.csv_export import CSV_MIMETYPE, cell, content_disposition, csv_lines


class Colour(StrEnum):
    RED = "red"


def parse(lines: list[str]) -> list[list[str]]:
    text = "".join(lines)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_header_row_then_rows_with_bom_only_once():
    lines = list(csv_lines(["name", "score"], [["Ana", 80], ["Bo", Decimal("92.5")]]))
    assert lines[0] == "\ufeffname,score\r\n"
    assert lines[1:] == ["Ana,80\r\n", "Bo,92.5\r\n"]
    assert sum(line.count("\ufeff") for line in lines) == 1


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_a_spreadsheet_would_run_is_neutralised(start):
    payload = f'{start}HYPERLINK("http://evil.example")'
    assert cell(payload) == "'" + payload
    assert parse(list(csv_lines(["x"], [[payload]])))[1] == ["'" + payload]


def test_harmless_text_and_numbers_are_written_as_they_are():
    assert cell("Zoë Ångström-Nguyễn") == "Zoë Ångström-Nguyễn"
    assert cell("a=b") == "a=b"
    assert cell(-3) == "-3"
    assert cell(Decimal("-0.5")) == "-0.5"
    assert cell(1.25) == "1.25"
    assert cell(None) == ""
    assert cell(True) == "true"
    assert cell(Colour.RED) == "red"


def test_dates_are_iso_8601_and_aware_times_are_utc():
    assert cell(date(2026, 3, 1)) == "2026-03-01"
    assert cell(datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=UTC)) == "2026-03-01T09:30:15Z"
    paris = timezone(timedelta(hours=1))
    assert cell(datetime(2026, 3, 1, 10, 30, tzinfo=paris)) == "2026-03-01T09:30:00Z"
    assert cell(datetime(2026, 3, 1, 10, 30)) == "2026-03-01T10:30:00"


def test_commas_quotes_and_newlines_survive():
    row = ['said "no", twice', "line one\nline two", "plain"]
    assert parse(list(csv_lines(["a", "b", "c"], [row])))[1] == row


def test_rows_are_read_lazily():
    def rows():
        yield ["first"]
        raise AssertionError("read before it was asked for")

    lines = csv_lines(["h"], rows())
    assert next(lines) == "\ufeffh\r\n"
    assert next(lines) == "first\r\n"


def test_streams_through_a_flask_response():
    app = Flask(__name__)

    @app.get("/export.csv")
    def export() -> Response:
        rows = ([f"=trainee {n}", n] for n in range(3))
        return Response(
            stream_with_context(csv_lines(["name", "n"], rows)),
            mimetype=CSV_MIMETYPE,
            headers={"Content-Disposition": content_disposition("scores ü.csv")},
        )

    response = app.test_client().get("/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="scores__.csv"'
    assert response.data.startswith(b"\xef\xbb\xbfname,n\r\n")
    assert parse([response.data.decode("utf-8")])[1:] == [
        ["'=trainee 0", "0"],
        ["'=trainee 1", "1"],
        ["'=trainee 2", "2"],
    ]
