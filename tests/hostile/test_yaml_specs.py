"""Data-spec YAML read as the platform's loader reads it (PyYAML safe_load, YAML 1.1) and its hostile forms
refused through `flask data load`: a clear refusal naming the file, exit 1, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.cli.test_data_load import load, write
from tests.hostile.corpus import snapshot
from webapp.extensions import db
from webapp.models import Enrollment, User

BASE = (
    "users:\n  - {username: a, email: a@example.com}\n  - {username: b, email: b@example.com}\n"
    'courses:\n  - {id: "A/B/C", name: ABC}\n'
)


def test_anchors_and_merge_keys_read_as_pyyaml_reads_them(runner, tmp_path):
    spec = (
        BASE
        + "enrollments:\n  - &verified {username: a, course: A/B/C, mode: verified, is_active: yes}\n"
        + "  - {<<: *verified, username: b}\n"
    )
    code, result = load(runner, write(tmp_path, "merge.yaml", spec))
    assert code == 0 and result["status"] == "applied", result
    rows = db.session.execute(select(User.username, Enrollment.mode, Enrollment.is_active).join(Enrollment)).all()
    assert sorted(rows) == [("a", "verified", True), ("b", "verified", True)]


HOSTILE = {
    "alias bomb": (None, "alias"),
    "merge-key alias bomb": (None, "alias"),
    "recursive alias": ("users: &u\n  - *u\n", "alias"),
    "duplicate key": ("users:\n  - {username: a, email: a@example.com, email: b@example.com}\n", "duplicate"),
    "two documents": ("users: []\n---\ncourses: []\n", "single document"),
    "undefined alias": ("users:\n  - *nowhere\n", "undefined alias"),
    "deep nesting": ("users: " + "[" * 5_000 + "]" * 5_000 + "\n", "nest"),
    "nesting deeper than a spec needs": (
        "users:\n  - {full_name: " + "[" * 40 + "]" * 40 + "}\n",
        "nested more than 32",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_yaml_is_refused_naming_the_file_and_writes_nothing(runner, tmp_path, name):
    text, expected = HOSTILE[name]
    if name == "alias bomb":
        text = (
            "users:\n  - {username: a, email: a@example.com, full_name: &x0 [a, a, a, a, a, a, a, a, a, a]}\n"
            + "".join(
                f"  - {{username: u{i}, email: u{i}@x.org, full_name: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]}}\n"
                for i in range(1, 9)
            )
        )
    elif name == "merge-key alias bomb":
        text = "users:\n  - &m0 {username: a, email: a@example.com}\n" + "".join(
            f"  - &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 10)}], full_name: [{', '.join([f'*m{i - 1}'] * 10)}]}}\n"
            for i in range(1, 9)
        )
    before = snapshot()
    result = runner.invoke(args=["data", "load", str(write(tmp_path, "hostile.yaml", text))])
    assert result.exit_code == 1, result.output
    assert "hostile.yaml: not valid YAML" in result.output and expected in result.output
    assert "Traceback" not in result.output
    assert snapshot() == before
