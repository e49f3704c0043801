"""The engine, migrations, and translation of driver errors into domain errors."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, exc

from backend.domain.errors import DatabaseUnavailable, PhotoAlreadyEnrolled

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def sqlalchemy_url(database_url: str) -> str:
    """postgresql://... as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def make_engine(database_url: str, pool_size: int = 10) -> Engine:
    return create_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Connection trouble becomes DatabaseUnavailable; programming errors stay loud."""
    try:
        yield
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
def transaction(engine: Engine) -> Iterator[Connection]:
    with translated_errors(), engine.begin() as connection:
        yield connection


def vector_literal(values: list[float]) -> str:
    """pgvector's text form of a vector."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"
