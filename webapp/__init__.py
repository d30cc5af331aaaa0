"""Staff Console: preview-then-apply bulk operations for course-operations staff."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from webapp import database  # noqa: F401  (connection setup)
from webapp.cli.lazy import LazyGroup, looking_up_commands
from webapp.config import load_config
from webapp.routing import CourseKeyConverter, IdConverter

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config -> extensions -> what webapp.assembly lists -> errors (`assemble`).

    While the `flask` command line loads the app only to list or look up its commands (`flask --help`), the
    app gets its config and its commands, by name and help; the first command that runs assembles the rest."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, test_config))
    app.url_map.converters["course_key"] = CourseKeyConverter
    app.url_map.converters["id"] = IdConverter

    from webapp import assembly

    def assembled() -> None:
        assemble(app)

    def migrations() -> None:
        assemble(app)  # every model in the metadata
        init_migrate(app)

    # `flask db …` (Flask-Migrate): Alembic is imported when a db command runs, not by every command.
    app.cli.add_command(
        LazyGroup("db", "flask_migrate.cli:db", help="Database migrations (Alembic).", prepare=migrations)
    )
    if looking_up_commands():
        assembly.install_commands(app, on_demand=assembled)
    else:
        assembly.install_commands(app)
        assemble(app)
    return app


def assemble(app: Flask) -> None:
    """The extensions, then the blueprints, data-spec entities, plan kinds and job planners (webapp.assembly),
    then the error pages and the request guards; once per app."""
    if "webapp.assembled" in app.extensions:
        return
    app.extensions["webapp.assembled"] = True
    from webapp import assembly, errors, i18n, input_guard, security
    from webapp.extensions import csrf, db, login_manager

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.register(app)  # the request's language, before any template or message is built
    assembly.install(app)  # blueprints, data-spec entities, plan kinds, job planners
    errors.register(app)
    security.register(app)
    input_guard.register(app)  # NUL bytes in any path, query or form text: 400


def init_migrate(app: Flask) -> None:
    """Flask-Migrate bound to this app (what `flask db` needs), imported on first use."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from webapp.extensions import db

        Migrate(app, db, directory=str(MIGRATIONS_DIR))
