"""Alembic environment: the connection comes from backend.infrastructure.database."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
