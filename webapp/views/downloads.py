"""One way to send every CSV download: streamed, UTF-8 with BOM, formula-safe."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Response, stream_with_context

from webapp.services.csvio import csv_lines


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    """A streamed CSV download of `rows` under `header`.

    The body is sent after the view has returned and its database session has been closed: `rows` must
    be lazy (a generator that runs its query when first read, as the services' `rows()` do), never the
    result of a query already executed in the view. The stream runs inside the request's contexts
    (`stream_with_context`), so `db.session` works while it is read.
    """
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "download.csv"
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
