"""Fixtures of the academy tests: the staff world (global staff, course staff, a learner)."""

from __future__ import annotations

import pytest

from tests.builders import staff_world


@pytest.fixture
def world(app_ctx) -> dict:
    return staff_world()
