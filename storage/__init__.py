"""Persistence: SQLAlchemy 2 models, unit of work, bot state, migrations, the job queue."""
