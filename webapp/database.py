"""Every dialect-specific line of the app: connection and schema setup so SQLite and MySQL/MariaDB behave like
PostgreSQL where the app relies on it, and the one lock that serialises applies.

SQLite:
- `lower()`: SQLite's built-in lowers ASCII only, while usernames, emails and academy names are matched
  case-insensitively against Python's `str.lower()`; PostgreSQL's `lower()` is Unicode-aware. The
  replacement is deterministic, so the expression indexes on lower(...) use it too.
- Foreign keys are enforced (SQLite ignores them unless asked).

MySQL / MariaDB (`DATABASE_URL=mysql+pymysql://…`, utf8mb4):
- Tables use a binary NO PAD collation (MariaDB `utf8mb4_nopad_bin`, MySQL `utf8mb4_0900_bin`): equality,
  uniqueness and ORDER BY go by code point as on SQLite and PostgreSQL (C collation), so `José` ≠ `jose` and
  `ada ` ≠ `ada`. Case-insensitive matching stays `lower(column) = lower(value)`, as on the other two.
- Expression indexes (`lower(username)`) and partial indexes (`WHERE archived IS NULL`), which MariaDB lacks:
  a stored generated column `_<index name>` holds the expression (for a partial index: 1 where the predicate
  holds, NULL elsewhere, and NULLs never collide in a unique index) and the index covers it. MySQL 8 gets
  functional key parts instead (no extra column).
- Types: DateTime is DATETIME(6) (microseconds, as PostgreSQL keeps them: a claim is identified by its exact
  lease expiry), Float is DOUBLE (MySQL's FLOAT is single precision), Text is LONGTEXT (TEXT stops at 64 KB).
  JSON on MariaDB is LONGTEXT without MariaDB's JSON_VALID check: that check refuses documents nested deeper
  than 32 levels, and the app accepts 64 (a webhook payload or a replay file is stored as received). The app
  only stores JSON that it serialised itself and never queries inside it. MySQL 8 keeps its JSON type (100 levels).
- Racing inserts of one key go through `insert_missing` (INSERT … ON DUPLICATE KEY UPDATE): InnoDB's plain
  INSERT that meets a duplicate takes a shared lock on the row, and two such requests both upgrading it to write
  deadlock.
- Sessions run READ COMMITTED, as PostgreSQL does (InnoDB's REPEATABLE READ would let an apply's recompute
  read a snapshot older than the lock it waited for), in strict mode (an over-long value is refused, never cut).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Float, Index, String, Text, event, text
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.pool import Pool
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.elements import ClauseElement, FunctionFilter
from sqlalchemy.sql.functions import FunctionElement

# ---------------------------------------------------------------------------------------------------------------
# URLs


def database_url(url: str) -> str:
    """The SQLAlchemy URL for a DATABASE_URL: postgres(ql):// uses psycopg 3, mysql:// uses PyMySQL with utf8mb4."""
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith(("mysql://", "mariadb://")):
        url = "mysql+pymysql://" + url.split("://", 1)[1]
    if url.startswith(("mysql+", "mariadb+")):
        parsed: URL = make_url(url)
        if "charset" not in parsed.query:
            return parsed.update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False)
    return url


# ---------------------------------------------------------------------------------------------------------------
# Connections


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _is_mysql(dbapi_connection: object) -> bool:
    return type(dbapi_connection).__module__.startswith(("pymysql", "MySQLdb", "mysql"))


@event.listens_for(Engine, "connect")
def _configure_connection(dbapi_connection: Any, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        # Write-ahead log: readers never wait for a writer, so a page (a job's progress) stays readable while
        # a job writes a 200,000-row plan in one transaction. Kept by the file; an in-memory database ignores it.
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
    elif _is_mysql(dbapi_connection):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cursor.execute("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')")
        dbapi_connection.commit()


# ---------------------------------------------------------------------------------------------------------------
# Inserts that may race


def insert_missing(session: Session | scoped_session[Any], model: type[Any], values: dict[str, Any]) -> None:
    """Insert one row unless a row with its primary key exists (committed, or being inserted by a parallel
    transaction: this waits for it), without an error either way, so the caller can go on and update the row.

    PostgreSQL and SQLite: INSERT … ON CONFLICT DO NOTHING. MySQL/MariaDB: INSERT … ON DUPLICATE KEY UPDATE with a
    no-op assignment, which locks an existing row for writing at once (INSERT IGNORE, like a failed plain INSERT,
    takes a shared lock, and two requests then upgrading it to update the row deadlock)."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite  # here: ~0.05 s that start-up need not pay

    dialect = session.get_bind().dialect.name
    table = model.__table__
    if dialect == "mysql":
        key = table.primary_key.columns[0].name
        statement: Any = mysql.insert(table).values(values)
        statement = statement.on_duplicate_key_update({key: statement.inserted[key]})
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
    session.execute(statement)


# ---------------------------------------------------------------------------------------------------------------
# Errors

_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_MYSQL_DUPLICATE = {1062, 1586}  # ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME


def is_unique_violation(error: BaseException) -> bool:
    """Whether a database error is a uniqueness rule refusing a write, on any of the three databases: not any
    IntegrityError (SQLite's trigger RAISE(ABORT), a NOT NULL or a foreign key are IntegrityErrors too), and
    MySQL raises other refusals (a trigger's SIGNAL) as OperationalError."""
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.Error):
        return getattr(original, "sqlite_errorname", "") in _SQLITE_UNIQUE
    if _is_mysql_error(original):  # before sqlstate: PyMySQL's errors carry the class ('23000'), not the rule
        return bool(original.args and original.args[0] in _MYSQL_DUPLICATE)
    return getattr(original, "sqlstate", None) == "23505"  # psycopg


def _is_mysql_error(error: BaseException) -> bool:
    return type(error).__module__.startswith(("pymysql", "MySQLdb", "mysql"))


# ---------------------------------------------------------------------------------------------------------------
# The apply lock


def serialize(session: Session | scoped_session[Any], scope: str, timeout_seconds: int) -> None:
    """Hold a lock named `scope` until the session's transaction ends (one apply per scope at a time).

    PostgreSQL: a transaction-scoped advisory lock. MySQL/MariaDB: GET_LOCK, named per database (the names are
    server-wide), released when the connection goes back to the pool, i.e. after the commit or rollback.
    SQLite: nothing to take (a writing transaction holds the whole database).
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        key = int.from_bytes(hashlib.blake2b(scope.encode(), digest_size=8).digest(), "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "mysql":
        name = lock_name(connection, scope)
        connection.connection.info["named_locks"] = True
        got = connection.scalar(text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": timeout_seconds})
        if got != 1:
            raise TimeoutError(f"waited {timeout_seconds} s for another apply of {scope} to finish")


def lock_name(connection: Connection, scope: str) -> str:
    """MySQL's name for the apply lock of `scope` in this connection's database (at most 64 characters)."""
    digest = hashlib.blake2b(f"{connection.engine.url.database}:{scope}".encode(), digest_size=16)
    return f"staff-console:{digest.hexdigest()}"


@event.listens_for(Pool, "checkin")
def _release_named_locks(dbapi_connection: Any, record: Any) -> None:
    if dbapi_connection is not None and record is not None and record.info.pop("named_locks", False):
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("DO RELEASE_ALL_LOCKS()")
        except Exception:  # a broken connection: dropping it releases its locks on the server
            record.invalidate()


# ---------------------------------------------------------------------------------------------------------------
# MySQL / MariaDB DDL

SHADOW_PREFIX = "_"  # generated columns behind expression and partial indexes on MariaDB: "_" + index name


def _collation(dialect: Dialect) -> str:
    return "utf8mb4_nopad_bin" if getattr(dialect, "is_mariadb", False) else "utf8mb4_0900_bin"


@compiles(CreateTable, "mysql")
def _create_table(create: CreateTable, compiler: DDLCompiler, **kw: Any) -> str:
    sql = compiler.visit_create_table(create, **kw).rstrip()
    return f"{sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={_collation(compiler.dialect)}"


@compiles(DateTime, "mysql")
def _datetime(_type: DateTime, _compiler: Any, **_kw: Any) -> str:
    return "DATETIME(6)"


@compiles(Float, "mysql")
def _float(_type: Float, _compiler: Any, **_kw: Any) -> str:
    return "DOUBLE"


@compiles(Text, "mysql")
def _text(_type: Text, _compiler: Any, **_kw: Any) -> str:
    return "LONGTEXT"


@compiles(JSON, "mysql")
def _json(type_: JSON, compiler: Any, **kw: Any) -> str:
    if getattr(compiler.dialect, "is_mariadb", False):
        return "LONGTEXT"
    return str(compiler.visit_JSON(type_, **kw))


def _partial_predicate(index: Index) -> ClauseElement | None:
    kwargs = index.dialect_kwargs
    predicate = kwargs.get("postgresql_where")
    return predicate if predicate is not None else kwargs.get("sqlite_where")


def _expressions(index: Index) -> list[ClauseElement]:
    return [e for e in index.expressions if not isinstance(e, Column | str)]


def shadowed(item: object) -> bool:
    """An index built differently on MySQL (expression or partial), or the generated column behind one: Alembic's
    comparison of the models with a MySQL schema leaves them out (the migration tests check them by behaviour)."""
    if isinstance(item, Index):
        return bool(_expressions(item)) or _partial_predicate(item) is not None
    return isinstance(item, Column) and item.name.startswith(SHADOW_PREFIX)


def include_object(dialect: Dialect) -> Callable[..., bool]:
    """Alembic's `include_object` for comparing the models with a database of this dialect (see `shadowed`)."""
    if dialect.name != "mysql":
        return lambda *_args: True
    return lambda item, *_args: not shadowed(item)


@contextmanager
def migration_session(connection: Connection) -> Iterator[None]:
    """Migrations on MySQL run without foreign key checks, as SQLite's do where they rebuild tables: MySQL refuses
    to drop an index a foreign key uses even when the next step drops the whole table (downgrades)."""
    mysql = connection.dialect.name == "mysql"
    if mysql:
        connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
    try:
        yield
    finally:
        if mysql:
            connection.exec_driver_sql("SET SESSION foreign_key_checks = 1")


def _expression_type(expression: ClauseElement) -> str:
    """The generated column's type: a string as long as lower()'s argument (255 when the expression is text)."""
    if isinstance(expression, FunctionElement | FunctionFilter):
        for argument in expression.clauses:
            if isinstance(argument, Column) and isinstance(argument.type, String) and argument.type.length:
                return f"VARCHAR({argument.type.length})"
    return "VARCHAR(255)"


@compiles(CreateIndex, "mysql")
def _create_index(create: CreateIndex, compiler: DDLCompiler, **kw: Any) -> str:
    index: Index = create.element
    expressions, predicate = _expressions(index), _partial_predicate(index)
    if not expressions and predicate is None:
        return compiler.visit_create_index(create, **kw)

    def sql(element: ClauseElement) -> str:
        return str(compiler.sql_compiler.process(element, include_table=False, literal_binds=True))

    preparer = compiler.preparer
    table = preparer.format_table(index.table)  # type: ignore[arg-type]
    name = preparer.quote(str(index.name))
    unique = "UNIQUE " if index.unique else ""
    columns = [preparer.quote(e.name) if isinstance(e, Column) else None for e in index.expressions]
    generated = [sql(e) for e in expressions]
    kinds = [_expression_type(e) for e in expressions]
    if predicate is not None:
        generated.append(f"CASE WHEN {sql(predicate)} THEN 1 END")
        kinds.append("TINYINT")
    if len(generated) != 1 or (expressions and None in columns[:-1]):
        raise NotImplementedError(f"index {index.name}: one expression, last, or a partial index, on MySQL")
    plain = [c for c in columns if c is not None]
    if not getattr(compiler.dialect, "is_mariadb", False):  # MySQL 8.0.13+: functional key parts
        parts = [*plain, f"({generated[0]})"]
        return f"CREATE {unique}INDEX {name} ON {table} ({', '.join(parts)})"
    shadow = preparer.quote(SHADOW_PREFIX + str(index.name))
    return (
        f"ALTER TABLE {table} ADD COLUMN {shadow} {kinds[0]} AS ({generated[0]}) STORED, "
        f"ADD {unique}INDEX {name} ({', '.join([*plain, shadow])})"
    )


@compiles(DropIndex, "mysql")
def _drop_index(drop: DropIndex, compiler: DDLCompiler, **kw: Any) -> str:
    if not getattr(compiler.dialect, "is_mariadb", False):
        return compiler.visit_drop_index(drop, **kw)
    index: Index = drop.element
    preparer = compiler.preparer
    table = preparer.format_table(index.table)  # type: ignore[arg-type]
    shadow = preparer.quote(SHADOW_PREFIX + str(index.name))
    return f"ALTER TABLE {table} DROP INDEX {preparer.quote(str(index.name))}, DROP COLUMN IF EXISTS {shadow}"
