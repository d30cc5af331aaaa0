"""One way to send every CSV download: streamed, UTF-8 with BOM, formula-safe."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Response, stream_with_context

from webapp.services.csvio import csv_lines


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "download.csv"
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
