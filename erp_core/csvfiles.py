"""CSV files the app writes: exports streamed as they are read (the whole file never sits in memory,
whatever the number of rows), times in ISO 8601 UTC as in the JSON API, and text cells a
spreadsheet shows as text instead of running them as a formula. Addons describe an export
(``CsvExport``); the API and the pages answer it with ``csv_response``."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Sequence

from flask import Response, stream_with_context

from .database import reading_connection

CHUNK = 2000  # rows read from the database, and written to the client, at a time
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (the tab
# and carriage return start one after a separator): "=HYPERLINK(...)" in a partner's name must
# stay text. The apostrophe is how spreadsheets mark a cell as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as the text of a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):  # numbers stay numbers, a negative one included
        return format(value, "f")
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain_number(value: Decimal | int | float | None) -> Decimal | None:
    """A quantity without the zeros its column pads it with: 2.000 → 2, 0.250 → 0.25 (a float, as
    SQLite may answer a sum, by its shortest text: 0.1, not 0.1000000000000000055...)."""
    if value is None:
        return None
    value = (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _unchanged(rows: Iterable) -> Iterable:
    return rows


@dataclass(frozen=True)
class CsvExport:
    """What an export writes. ``statement`` selects columns (never ORM entities: building one object
    per row is what a million-row export cannot afford); ``lines`` turns the rows it reads, in
    order, into the lines of the file, each a sequence of values in ``header`` order (a row as it
    is, when not given)."""

    filename: str
    header: Sequence[str]
    statement: Any
    lines: Callable[[Iterable], Iterable[Sequence]] = field(default=_unchanged)


def csv_chunks(export: CsvExport) -> Iterator[str]:
    """The text of the file, CHUNK lines at a time: the header first, then the rows as a
    server-side cursor (PostgreSQL) or SQLite's own cursor hands them over."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(export.header)
    yield flush()
    with reading_connection() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK).execute(export.statement)
        lines = iter(export.lines(result))
        while chunk := list(islice(lines, CHUNK)):
            writer.writerows([cell(value) for value in line] for line in chunk)
            yield flush()


def csv_response(export: CsvExport) -> Response:
    """A streamed ``text/csv`` answer, offered as a file download named ``export.filename``."""
    return Response(stream_with_context(csv_chunks(export)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename}"'})
