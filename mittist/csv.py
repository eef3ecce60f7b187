"""CSV downloads that spreadsheet programs open as text: streamed, with a BOM, no cell read as a formula."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class Echo:
    """A file-like object for csv.writer that hands each written line back instead of storing it."""

    def write(self, value):
        return value


def csv_safe(value) -> str:
    # Spreadsheet programs run cells that start with these as formulas.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """Rows streamed as a ";"-separated UTF-8 CSV download (with a BOM, so that Excel reads it as UTF-8)."""
    writer = csv.writer(Echo(), delimiter=";")
    response = StreamingHttpResponse(
        ("\ufeff" if i == 0 else "") + writer.writerow([csv_safe(v) for v in row]) for i, row in enumerate(rows)
    )
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
