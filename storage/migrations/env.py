"""Alembic environment: always run with a connection handed in by `storage.migrate`."""

from __future__ import annotations

from alembic import context

import storage.directline  # noqa: F401
from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `askarsan migrate` (storage.migrate.migrate)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
