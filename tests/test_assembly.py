"""The composition root: create_app installs every listed kind, blueprint, command group and spec entity;
nothing registers itself on import, and a missing module fails at start instead of being skipped. When the
`flask` command line loads the app to list its commands, it lists them all without importing them, and the
first command that runs gets the whole app."""

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
        print(sorted(kind.name for kind in assembly.plan_kinds()))
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


def test_every_listed_command_has_the_name_and_help_of_the_command_it_stands_for():
    from webapp import assembly
    from webapp.cli.lazy import load

    for command in assembly.COMMANDS:
        real = load(command.target)
        assert (command.name, command.help) == (real.name, real.help)


# The `flask` command line with the app of wsgi.py, in a fresh interpreter: which modules `flask --help` imports,
# and what the app holds once a command runs.
FLASK_COMMAND_LINE = f"""
    import sys
    from click.testing import CliRunner
    from flask.cli import FlaskGroup
    from webapp import create_app

    apps = []
    cli = FlaskGroup(create_app=lambda: apps.append({CREATE_APP}) or apps[-1])
    runner = CliRunner()
"""


def test_flask_help_lists_every_command_and_imports_no_command_view_service_or_model():
    result = _python(
        FLASK_COMMAND_LINE
        + """
    shown = runner.invoke(cli, ["--help"])
    assert shown.exit_code == 0, shown.output
    print(shown.output)
    heavy = ("webapp.cli.", "webapp.views", "webapp.services", "webapp.models", "flask_migrate", "alembic", "redis")
    light = {"webapp.cli.lazy", "webapp.services", "webapp.services.messages"}  # messages: i18n's wording
    print("IMPORTED", sorted(name for name in sys.modules if name.startswith(heavy) and name not in light))
    """
    )
    assert result.returncode == 0, result.stderr
    from webapp import assembly

    for command in assembly.COMMANDS:
        assert f"  {command.name} " in result.stdout
    assert "  db " in result.stdout
    assert "IMPORTED []" in result.stdout


@pytest.mark.parametrize("args", [["plans", "--help"], ["db", "--help"], ["worker", "--help"]])
def test_the_first_command_that_runs_gets_the_whole_app(args):
    result = _python(
        FLASK_COMMAND_LINE
        + f"""
    shown = runner.invoke(cli, {args!r})
    assert shown.exit_code == 0, shown.output
    from webapp.services import plans
    app, = apps
    print(sorted(plans.KINDS))
    full = {CREATE_APP}

    def names(functions):
        return [getattr(f, "__qualname__", repr(f)) for f in functions]

    def shape(each):
        return {{
            "blueprints": sorted(each.blueprints),
            "endpoints": sorted(each.url_map._rules_by_endpoint),
            "commands": sorted(each.cli.commands),
            "extensions": sorted(set(each.extensions) - {{"migrate"}}),  # `flask db` adds Flask-Migrate
            "before": {{key: names(value) for key, value in each.before_request_funcs.items()}},
            "after": {{key: names(value) for key, value in each.after_request_funcs.items()}},
            "teardown": names(each.teardown_appcontext_funcs),
            "errors": {{key: sorted(map(str, value)) for key, value in each.error_handler_spec.items()}},
            "filters": sorted(each.jinja_env.filters),
            "globals": sorted(each.jinja_env.globals),
            "wsgi_app": type(each.wsgi_app).__name__,
        }}

    print(shape(app) == shape(full))
    """
    )
    assert result.returncode == 0, result.stderr
    kinds, same_shape = result.stdout.splitlines()[-2:]
    assert kinds == str(ALL_KINDS)
    assert same_shape == "True"


def test_under_the_flask_command_line_a_missing_module_fails_when_its_command_runs():
    result = _python(
        """
    import sys
    from importlib.abc import MetaPathFinder

    class Missing(MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "webapp.cli.completion":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Missing())
    """
        + FLASK_COMMAND_LINE
        + """
    print(runner.invoke(cli, ["--help"]).exit_code)
    ran = runner.invoke(cli, ["completion", "export", "--help"])
    print(ran.exit_code, type(ran.exception).__name__)
    """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["0", "1 ModuleNotFoundError"]
