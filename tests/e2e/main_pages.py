"""The main pages of the console, filled with the demo data and a few plans, for the layout and
accessibility checks (and for screenshots: set UI_SCREENSHOTS=/some/dir outside the repository)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from flask import Flask

from webapp.services import devdata

DEMO = "course-v1:edX+DemoX+Demo_Course"
REVIEW_CODE = "0A7C6E10-1B2C-4D3E-8F40-000000000001"
SHOTS = os.environ.get("UI_SCREENSHOTS")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def _plan_from(response) -> str:
    assert response.status_code == 302, (response.status_code, response.data[:300])
    return response.headers["Location"].split("?")[0]


def build_main_pages(app: Flask) -> dict[str, str]:
    """Load the demo data, plan an exceptions import (with errors), an academy sync and an applied
    import through the pages, and return every main page by name → path."""
    devdata.load_spec("webapp/demo/spec.yaml", actor=None)
    client = app.test_client()
    client.get("/login")
    token = _csrf(client, "/login")
    client.post("/login", data={"username": "staff", "password": "edx", "csrf_token": token})
    token = _csrf(client, f"/courses/{DEMO}/certificates/exceptions")
    sample = Path("webapp/demo/sample_exceptions.csv").read_bytes()
    preview = _plan_from(
        client.post(
            f"/courses/{DEMO}/certificates/exceptions/upload",
            data={"csrf_token": token, "file": (io.BytesIO(sample), "sample_exceptions.csv"), "encoding": "utf-8"},
        )
    )
    applied = _plan_from(
        client.post(
            f"/courses/{DEMO}/certificates/invalidations/upload",
            data={
                "csrf_token": token,
                "file": (io.BytesIO(Path("webapp/demo/sample_invalidations.csv").read_bytes()), "inv.csv"),
                "encoding": "utf-8",
            },
        )
    )
    client.post(f"{applied}/apply", data={"csrf_token": token})
    academy = _plan_from(
        client.post("/academies/sync", data={"csrf_token": token, "source": "catalog", "deactivate_missing": "y"})
    )
    return {
        "dashboard": "/",
        "course": f"/courses/{DEMO}/",
        "certificates": f"/courses/{DEMO}/certificates/",
        "exceptions": f"/courses/{DEMO}/certificates/exceptions",
        "invalidations": f"/courses/{DEMO}/certificates/invalidations",
        "course-proctoring": f"/courses/{DEMO}/proctoring/",
        "attempts": f"/courses/{DEMO}/proctoring/attempts",
        "reset-upload": f"/courses/{DEMO}/proctoring/reset",
        "review": f"/proctoring/reviews/{REVIEW_CODE}",
        "reviews": "/proctoring/reviews",
        "needs-attention": "/proctoring/needs-attention",
        "course-plans": f"/courses/{DEMO}/plans",
        "plans": "/plans",
        "plan-preview": preview,
        "plan-result": applied,
        "academy-preview": academy,
        "academies": "/academies/",
        "academy-history": "/academies/history",
        "completion": "/completion/?customer=acme",
        "audit": "/audit/",
        "not-found": "/no/such/page",
    }


def _csrf(client, url: str) -> str:
    import re

    page = client.get(url, follow_redirects=True).data
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1).decode()
