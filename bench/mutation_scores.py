"""Print the mutation score of every mutated module from mutmut's results (`make mutation`).

Score = killed (a test failed, or the mutant timed out) / mutants checked. Mutants no test executes count as
survivors (a line no test runs is not tested); mutants not yet checked are reported apart.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 24, -24, 152, 255, 36}  # a test failed, pytest failed, or the mutant timed out
SURVIVED = {0, 5, 33}  # the tests passed, or no test executes the mutant


def scores(root: Path) -> dict[str, Counter]:
    by_module: dict[str, Counter] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        if not codes:
            continue
        module = str(meta.relative_to(root)).removesuffix(".py.meta").replace("/", ".")
        tally = by_module.setdefault(module, Counter())
        for code in codes.values():
            tally["killed" if code in KILLED else "survived" if code in SURVIVED else "unchecked"] += 1
    return by_module


def main(prefixes: list[str]) -> int:
    by_module = scores(Path("mutants"))
    print(f"{'module':48} {'killed':>7} {'survived':>8} {'unchecked':>9} {'score':>7}")
    for group in prefixes or [""]:
        total: Counter = Counter()
        for module, tally in by_module.items():
            if not module.startswith(group):
                continue
            total += tally
            checked = tally["killed"] + tally["survived"]
            score = f"{100 * tally['killed'] / checked:6.1f}%" if checked else "     -"
            print(f"{module:48} {tally['killed']:7} {tally['survived']:8} {tally['unchecked']:9} {score:>7}")
        checked = total["killed"] + total["survived"]
        if group and checked:
            print(
                f"{'  = ' + group + '*':48} {total['killed']:7} {total['survived']:8} {total['unchecked']:9} "
                f"{100 * total['killed'] / checked:6.1f}%"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
