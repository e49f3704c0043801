"""The engine, migrations, and translation of driver errors into domain errors."""

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.pool import ConnectionPoolEntry

from backend.domain.errors import CommitUnknown, DatabaseUnavailable, PhotoAlreadyEnrolled

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# pg_advisory_xact_lock key of the schema migration: "fgmigrat". Transaction-scoped, so it
# holds behind PgBouncer in transaction mode too (a session lock would not).
MIGRATE_LOCK = 0x66676D6967726174
# DATABASE_POOLER values: "" (a plain server, or a pooler in session mode) or "transaction".
POOLER_MODES = ("", "transaction")
# A pooled connection idle for longer than this is pinged before it is handed out; one
# used more recently is trusted (see ping_when_idle).
PING_AFTER_IDLE_SECONDS = 1.0


def sqlalchemy_url(database_url: str) -> str:
    """postgresql://... as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def make_engine(
    database_url: str,
    pool_size: int = 10,
    pooler: str = "",
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> Engine:
    """The engine; pooler="transaction" behind PgBouncer in transaction mode, where one
    client's consecutive transactions may run on different server connections: no
    server-side prepared statements then (psycopg prepares a statement on its 5th use by
    default, and the next transaction may land where it was never prepared). Session state
    is not used anywhere: every SET is SET LOCAL, every advisory lock an _xact_ one."""
    if pooler not in POOLER_MODES:
        raise ValueError(f"DATABASE_POOLER must be one of {POOLER_MODES}, not {pooler!r}")
    connect_args: dict[str, object] = {"connect_timeout": 5}
    if pooler == "transaction":
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args=connect_args,
    )
    ping_when_idle(engine, ping_after_idle)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before handing it out only when it has been idle for
    `idle_seconds`. pool_pre_ping pings every checkout: three to four round trips per
    check-in that a busy pool does not need. A connection that failed over while idle
    is replaced here, before anyone uses it; one lost within the last second fails its
    first statement (DatabaseUnavailable, safe to retry), and SQLAlchemy then discards
    every pooled connection older than the failure, so the next request starts afresh."""

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def handed_out(dbapi_connection: Any, entry: ConnectionPoolEntry, proxy: Any) -> None:
        returned_at = entry.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return  # new, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as lost:  # the driver's own error, whichever it is
            raise exc.DisconnectionError("a pooled connection did not answer") from lost
        if not alive:
            raise exc.DisconnectionError("a pooled connection did not answer")


def migrate(engine: Engine) -> str | None:
    """Bring the schema to the newest Alembic revision, and return it.

    Any number of processes may call it at once (replicas started together on an empty
    database, the chart's migration Job): the first takes the advisory lock and migrates in
    one transaction, the others wait for it, then find the schema at head and do nothing."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Connection trouble becomes DatabaseUnavailable; programming errors stay loud."""
    try:
        yield
    except CommitUnknown:
        raise
    except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
        raise DatabaseUnavailable("the database is not reachable") from error
    except exc.IntegrityError as error:
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if constraint == "face_employee_content":  # one face per photo and employee
            raise PhotoAlreadyEnrolled("this photo is already enrolled for the employee") from error
        raise
    except exc.DBAPIError as error:
        if error.connection_invalidated:
            raise DatabaseUnavailable("the database connection was lost") from error
        raise


@contextlib.contextmanager
def committing() -> Iterator[None]:
    """Around a COMMIT: a connection lost while it was under way may have committed or not
    (a primary that died as it sent the commit to its synchronous standby), so that is said
    (CommitUnknown), never taken for a failure nor for a success."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as lost:
        raise CommitUnknown("the database connection was lost while committing") from lost
    except exc.DBAPIError as lost:
        if lost.connection_invalidated:
            raise CommitUnknown("the database connection was lost while committing") from lost
        raise


def rollback_quietly(connection: Connection) -> None:
    """Roll back what is open, unless the connection died already (nothing to roll back:
    the server ended the transaction with it)."""
    if not connection.closed and not connection.invalidated and connection.in_transaction():
        with contextlib.suppress(exc.DBAPIError):
            connection.rollback()


@contextlib.contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction. A connection lost before COMMIT was sent rolled everything back
    (DatabaseUnavailable: safe to retry); one lost during COMMIT is CommitUnknown."""
    with translated_errors(), engine.connect() as connection:
        begun = connection.begin()
        try:
            yield connection
        except BaseException:
            rollback_quietly(connection)
            raise
        with committing():
            begun.commit()


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[Connection]:
    """A connection whose statements each commit on their own (autocommit): for a single
    read, or for writes each whole by itself. It saves the BEGIN and COMMIT round trips
    of transaction(); nothing that must hold together may run here."""
    with translated_errors(), engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def vector_literal(values: list[float]) -> str:
    """pgvector's text form of a vector."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"
