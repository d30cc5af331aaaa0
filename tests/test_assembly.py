"""The composition root: create_app installs every listed kind, blueprint, command group and spec entity;
nothing registers itself on import, and a missing module fails at start instead of being skipped."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALL_KINDS = [
    "academy_sync",
    "certificate_exceptions",
    "certificate_exceptions_removal",
    "certificate_exceptions_revert",
    "certificates.generate_all",
    "certificates.generate_exceptions",
    "certificates.generation_toggle",
    "certificates.invalidate",
    "certificates.regenerate",
    "certificates.revalidate",
    "data_spec",
    "proctoring_replay",
    "proctoring_reset",
    "proctoring_second_review",
]

CREATE_APP = "create_app({'SECRET_KEY': 'assembly-test', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_a_script_importing_only_the_engine_knows_every_kind_after_create_app():
    result = _python(
        f"""
        from webapp.services import plans
        from webapp import create_app
        {CREATE_APP}
        print(sorted(plans.KINDS))
        from webapp import assembly
        print(sorted(kind.name for kind in assembly.PLAN_KINDS))
        """
    )
    assert result.returncode == 0, result.stderr
    installed, listed = result.stdout.splitlines()
    assert installed == str(ALL_KINDS)
    assert listed == installed


def test_importing_a_capability_registers_nothing_by_side_effect():
    result = _python(
        """
        from webapp.services import academies, devdata, plans
        from webapp.services.certificates import exceptions, invalidations
        from webapp.services.proctoring import replay
        print(sorted(plans.KINDS))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "missing",
    [
        "webapp.views.proctoring",
        "webapp.views.certificates.issued",
        "webapp.cli.completion",
        "webapp.cli.certificates.invalidations",
        "webapp.services.specs.academies",
    ],
)
def test_a_missing_module_fails_at_start(missing):
    result = _python(
        f"""
        import sys
        from importlib.abc import MetaPathFinder

        class Missing(MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == {missing!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, Missing())
        from webapp import create_app
        {CREATE_APP}
        print("started")
        """
    )
    assert result.returncode != 0
    assert "started" not in result.stdout
    error = result.stderr.strip().splitlines()[-1]  # e.g. ImportError: cannot import name 'proctoring' from …
    assert error.startswith(("ImportError", "ModuleNotFoundError")), result.stderr
    assert repr(missing.rsplit(".", 1)[1]) in error or repr(missing) in error
