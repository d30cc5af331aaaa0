"""Staff Console: preview-then-apply bulk operations for course-operations staff."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from webapp import database, errors, i18n, input_guard, security  # noqa: F401  (database: connection setup)
from webapp.cli.lazy import LazyGroup
from webapp.config import load_config
from webapp.extensions import csrf, db, login_manager
from webapp.routing import CourseKeyConverter, IdConverter

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config -> extensions -> what webapp.assembly lists -> errors."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, test_config))
    app.url_map.converters["course_key"] = CourseKeyConverter
    app.url_map.converters["id"] = IdConverter

    db.init_app(app)
    # `flask db …` (Flask-Migrate): Alembic is imported when a db command runs, not by every command.
    app.cli.add_command(
        LazyGroup(
            "db", "flask_migrate.cli:db", help="Database migrations (Alembic).", prepare=lambda: init_migrate(app)
        )
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.register(app)  # the request's language, before any template or message is built

    from webapp import assembly, models  # noqa: F401  (models: register every table with the metadata)

    assembly.install(app)  # blueprints, CLI groups, data-spec entities, plan kinds
    errors.register(app)
    security.register(app)
    input_guard.register(app)  # NUL bytes in any path, query or form text: 400
    return app


def init_migrate(app: Flask) -> None:
    """Flask-Migrate bound to this app (what `flask db` needs), imported on first use."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS_DIR))
