"""Fixtures of the proctoring tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask


@pytest.fixture
def allow_review_updates(app: Flask) -> Iterator[None]:
    """ALLOW_REVIEW_UPDATES on for one test (it is off by default, as on the platform)."""
    saved = app.config["ALLOW_REVIEW_UPDATES"]
    app.config["ALLOW_REVIEW_UPDATES"] = True
    try:
        yield
    finally:
        app.config["ALLOW_REVIEW_UPDATES"] = saved
