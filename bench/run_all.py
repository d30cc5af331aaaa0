"""`make bench`: every row of issue 15's table, with its figure and its ratio, on SQLite and on PostgreSQL.

Runs, each as its own process (their output is printed as it comes):
- bench_reference.py: the exceptions preview and apply beside the floor (../shared/bench, medians of 3, the
  floor and ours alternating in one run) and their peak memory, on SQLite, then with ours on PostgreSQL;
- bench_startup.py: `flask --app wsgi --help`;
- bench_pages.py: every kind of page of a 100,000-row plan and the lists at 100,000 rows (p95), on both;
- the scripts of the other rows when present (replay, completion, generation, data spec): bench_replay.py,
  bench_completion.py, bench_generation.py, bench_devdata.py;
then prints the table: each `ROW {json}` line the scripts printed, the PostgreSQL figure beside the SQLite
one and their ratio (target ≤ 1.5x), and the printed output of the scripts that print no ROW lines.

PostgreSQL: BENCH_DATABASE_URL (its tables are dropped and made again; default: a fresh database `test_bench`
on the local server, made for the run); set BENCH_DATABASE_URL=none to leave PostgreSQL out.
BENCH_ROWS changes N (100000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"  # the default: a fresh `test_bench` on this server
OTHER_SCRIPTS = (  # rows measured by scripts of their own, run when present
    ("proctoring replay apply, 1,000 payloads", "bench_replay.py", []),
    ("completion preview page, 100,000 enrollments", "bench_completion.py", []),
    ('certificate generation "All Learners", 100,000 learners', "bench_generation.py", []),
    ("data spec, 100k users + 100k enrollments", "bench_devdata.py", ["100000"]),
)


def run(title: str, script: str, args: list[str], rows: list[dict]) -> int:
    """Run one bench script, echoing its output; collect its ROW lines."""
    print(f"\n== {title}: {script} {' '.join(args)}", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None
    found = False
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("ROW "):
            rows.append(json.loads(line[4:]))
            found = True
    status = process.wait()
    if not found:
        rows.append({"row": title, "figure": None, "note": f"see the output of {script} above", "status": status})
    return status


def fmt(row: dict | None) -> str:
    if row is None:
        return "—"
    if row.get("figure") is None:
        return row.get("note", "—")
    text = f"{row['figure']:g} {row.get('unit', '')}".strip()
    if row.get("ratio") is not None:
        text += f" = **{row['ratio']:.2f}x** {row.get('versus', '')}"
    if row.get("cpu_ratio") is not None:
        text += f" (CPU {row['cpu_s']:g} s = {row['cpu_ratio']:.2f}x)"
    elif row.get("cpu_ms") is not None:
        text += f" (CPU {row['cpu_ms']:g} ms)"
    elif row.get("cpu_s") is not None:
        text += f" (CPU {row['cpu_s']:g} s)"
    return text


def table(rows: list[dict]) -> None:
    """Issue 15's rows: SQLite figure, PostgreSQL figure, PostgreSQL/SQLite."""
    print("\n== Issue 15's table (medians; ratios in one run)\n")
    print("| work | SQLite | PostgreSQL | PG / SQLite | target |")
    print("|---|---|---|---:|---|")
    names: list[str] = []
    for row in rows:
        if row["row"] not in names:
            names.append(row["row"])
    for name in names:
        by = {r.get("backend", "sqlite"): r for r in rows if r["row"] == name}
        sqlite, pg = by.get("sqlite"), by.get("postgresql")
        versus = "—"
        if sqlite and pg and sqlite.get("figure") and pg.get("figure") is not None:
            versus = f"{pg['figure'] / sqlite['figure']:.2f}x (≤ 1.5x)"
        target = (sqlite or pg or {}).get("target", "")
        print(f"| {name} | {fmt(sqlite)} | {fmt(pg)} | {versus} | {target} |")


def main() -> int:
    n = os.environ.get("BENCH_ROWS", "100000")
    sys.path.insert(0, str(HERE.parent))
    from bench.servers import fresh_database

    pg = os.environ.get("BENCH_DATABASE_URL") or fresh_database(PG_SERVER, "bench")
    backends = [("SQLite", [])] + ([] if pg.lower() == "none" else [("PostgreSQL", ["--database-url", pg])])
    rows: list[dict] = []
    status = 0
    for name, db_args in backends:
        status |= run(
            f"exceptions beside the floor, {name}",
            "bench_reference.py",
            ["--rows", n, "--skip-peer", "--runs", "3", *db_args],
            rows,
        )
    status |= run("CLI start-up", "bench_startup.py", ["--runs", "5"], rows)
    for name, db_args in backends:
        status |= run(f"pages and lists, {name}", "bench_pages.py", ["--rows", n, "--samples", "10", *db_args], rows)
    for title, script, args in OTHER_SCRIPTS:
        if (HERE / script).is_file():
            status |= run(title, script, args, rows)
        else:
            rows.append({"row": title, "figure": None, "note": f"not measured here ({script} absent)"})
    table(rows)
    return status


if __name__ == "__main__":
    sys.exit(main())
