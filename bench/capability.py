"""Shared helpers of the capability benchmarks (replay, completion, generation, data spec).

Each benchmark runs on SQLite (a file in a temporary folder) and, with `--postgres [URL]` or DATABASE_URL set
to a PostgreSQL URL, also on PostgreSQL (a fresh database `<name>_bench_<what>` on that server, dropped and
created per run). Figures are medians of `--runs` runs (at least 3); each is printed with its target and
OK / MISSED, and the script exits 0 whatever the verdict (it reports, `make bench` goes on).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def arguments(description: str, **defaults: int) -> argparse.ArgumentParser:
    """The options every capability bench takes: --runs, --postgres [URL], --sqlite-only, plus sizes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is printed; at least 3)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES,
        default=None,
        help="also run on PostgreSQL (a fresh database on this server); DATABASE_URL=postgresql://… does too",
    )
    for name, value in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value)
    return parser


def backends(options: argparse.Namespace) -> list[str]:
    """["sqlite"], plus the PostgreSQL base URL when asked (option or DATABASE_URL)."""
    found = ["sqlite"]
    url = options.postgres
    env_url = os.environ.get("DATABASE_URL", "")
    if url is None and env_url.startswith("postgresql"):
        url = env_url
    if url:
        found.append(url)
    return found


@contextmanager
def database(backend: str, what: str) -> Iterator[str]:
    """A fresh, empty database URL for one run: a SQLite file, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{what}-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite"
        return
    from bench.servers import fresh_database

    yield fresh_database(_psycopg(backend), f"bench_{what}")


def _psycopg(url: str) -> str:
    """SQLAlchemy's psycopg URL scheme (the app's engine needs it; `fresh_database` takes either)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def label(backend: str) -> str:
    return "SQLite" if backend == "sqlite" else "PostgreSQL"


@dataclass
class Figures:
    """Samples per figure name, and each figure's target (an upper bound) and unit."""

    title: str
    targets: dict[str, tuple[float, str]]
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.samples.setdefault(name, []).append(value)

    def report(self) -> bool:
        """Print each figure's median with its target and verdict; True when every target is met."""
        print(f"summary ({self.title}):")
        ok = True
        for name, values in self.samples.items():
            value = statistics.median(values)
            target, unit = self.targets.get(name, (float("inf"), ""))
            met = value <= target
            ok &= met
            runs = ", ".join(f"{v:.3g}" for v in values)
            bound = f"target ≤ {target:g} {unit}" if target != float("inf") else "no target"
            print(f"  {name:<44} {value:9.3f} {unit:<3} ({bound}) {'OK' if met else 'MISSED'}   runs: {runs}")
        return ok


def timed(action: Callable[[], object]) -> tuple[float, object]:
    import time

    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def make_app(url: str, **config: object):
    """The app on `url`, with its tables created (as `flask db upgrade` would)."""
    from webapp import create_app
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": _psycopg(url), "SECRET_KEY": "bench", **config})
    with app.app_context():
        db.create_all()
    return app
