"""Persistence: SQLAlchemy 2 models, Alembic migrations, the job queue (the outbox table), the bot
state rows, the built-in Direct Line channel's conversations, and SQLite's inline connection."""
