"""The one way the app writes CSV: UTF-8 with a BOM, a header row, ISO 8601 dates, formula-safe text, streamed.

    return Response(stream_with_context(csv_lines(header, rows)), mimetype=CSV_MIMETYPE, headers=...)

(or, when computing the rows reads the database, `db.stream_body(session, csv_chunks(header, groups))`).

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return)
get a leading apostrophe (OWASP "CSV injection"). Numbers (int, float, Decimal) are written as numbers: they
come from our code, not from a user, and -3 must stay a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

CSV_MIMETYPE = "text/csv"  # Flask adds "; charset=utf-8" to a text/* mimetype
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as CSV text: ISO 8601 for dates and times (UTC, 'Z'), formula-safe for text."""
    if value is None:
        return ""
    kind = type(value)  # the common exact types first (an export writes 300,000 cells)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind is int or kind is Decimal:
        return str(value)
    if kind is datetime:
        return _iso(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value.value) if isinstance(value, Enum) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# Values the csv module writes exactly as cell() does (None as "", numbers through str()): passed to it as
# they are, which spares a call of cell() for most cells of an export (bool is not among them: "true").
_AS_IS = frozenset({int, Decimal, type(None)})


def _cells(row: Sequence[Any]) -> list[Any]:
    return [v if type(v) in _AS_IS else cell(v) for v in row]


def _iso(value: datetime) -> str:
    if value.tzinfo is UTC:  # what the database gives: "+00:00" (6 characters) becomes "Z"
        return value.isoformat(timespec="seconds")[:-6] + "Z"
    if value.tzinfo is not None:
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat(timespec="seconds")


def _writer() -> tuple[io.StringIO, Any]:
    buffer = io.StringIO()
    return buffer, csv.writer(buffer, lineterminator="\r\n")


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV one line at a time (the first starts with the BOM); rows are read only as lines are asked for."""
    buffer, writer = _writer()
    writer.writerow([cell(v) for v in header])
    yield BOM + _take(buffer)
    for row in rows:
        writer.writerow(_cells(row))
        yield _take(buffer)


def csv_chunks(header: Sequence[str], groups: Iterable[Iterable[Sequence[Any]]]) -> Iterator[str]:
    """The CSV as one piece for the header (with the BOM) and one per group of rows; each group is read
    only when its piece is asked for."""
    buffer, writer = _writer()
    writer.writerow([cell(v) for v in header])
    yield BOM + _take(buffer)
    write = writer.writerow
    for rows in groups:
        for row in rows:
            write(_cells(row))
        yield _take(buffer)


def content_disposition(filename: str) -> str:
    """The header value that makes a browser save the CSV under this (ASCII) name."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return f'attachment; filename="{safe or "export.csv"}"'
