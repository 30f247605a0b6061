"""The job runner as a process of its own: `python -m bot.jobs.worker`.

Runs against `DATABASE_URL` until SIGTERM or SIGINT, then finishes the batch in hand and exits
(a job cut short by SIGKILL is claimed again by any worker once its lease expires). Any number
of workers may run against one PostgreSQL database; on SQLite run one.

Handlers come from a factory, called once with the keyword argument `sessions` (the worker's
`async_sessionmaker`) and returning `{kind: handler}`. `run_worker` takes it as an argument;
`python -m bot.jobs.worker` imports the one named by `ASKARSAN_JOB_HANDLERS` ("package.module:name").

Tuning from the environment: `ASKARSAN_JOB_LEASE_SECONDS` (default 120),
`ASKARSAN_JOB_POLL_SECONDS` (default 1), `ASKARSAN_JOB_BATCH` (default 20).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.jobs.runner import Handler, JobRunner
from storage.db import create_engine, session_factory

log = logging.getLogger(__name__)

HandlersFactory = Callable[..., Mapping[str, Handler]]

ENV_HANDLERS = "ASKARSAN_JOB_HANDLERS"
ENV_LEASE = "ASKARSAN_JOB_LEASE_SECONDS"
ENV_POLL = "ASKARSAN_JOB_POLL_SECONDS"
ENV_BATCH = "ASKARSAN_JOB_BATCH"


class WorkerConfigError(Exception):
    """The worker cannot start; the message says which variable to set."""


@dataclass(frozen=True)
class WorkerOptions:
    lease: timedelta = timedelta(minutes=2)
    poll_interval: float = 1.0
    batch: int = 20
    handlers: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WorkerOptions:
        def number(name: str, default: float, minimum: float) -> float:
            raw = environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise WorkerConfigError(f"{name} must be a number, not {raw!r}") from None
            if value < minimum:
                raise WorkerConfigError(f"{name} must be at least {minimum}")
            return value

        return cls(
            lease=timedelta(seconds=number(ENV_LEASE, 120, 1)),
            poll_interval=number(ENV_POLL, 1.0, 0.01),
            batch=int(number(ENV_BATCH, 20, 1)),
            handlers=environ.get(ENV_HANDLERS, "").strip() or None,
        )


def load_handlers_factory(spec: str) -> HandlersFactory:
    """Import "package.module:name"."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise WorkerConfigError(f"{ENV_HANDLERS} must look like 'package.module:name', not {spec!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise WorkerConfigError(f"{ENV_HANDLERS}={spec!r} cannot be loaded: {error}") from None
    if not callable(factory):
        raise WorkerConfigError(f"{ENV_HANDLERS}={spec!r} is not callable")
    return factory  # type: ignore[no-any-return]


async def serve_jobs(
    database_url: str,
    handlers_factory: HandlersFactory,
    options: WorkerOptions,
    stop: asyncio.Event,
) -> None:
    """Run the job runner until `stop` is set (SIGTERM and SIGINT set it)."""
    engine = create_engine(database_url)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        sessions = session_factory(engine)
        handlers = handlers_factory(sessions=sessions)
        runner = JobRunner(
            sessions,
            handlers,
            clock=lambda: datetime.now(UTC),
            batch=options.batch,
            lease=options.lease,
        )
        log.info(
            "job worker started: kinds %s, lease %ss, batch %d",
            ", ".join(sorted(handlers)) or "(none)",
            int(options.lease.total_seconds()),
            options.batch,
        )
        await runner.run_forever(stop, options.poll_interval)
        log.info("job worker stopped")
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        await engine.dispose()


def run_worker(
    database_url: str,
    handlers_factory: HandlersFactory | None = None,
    options: WorkerOptions | None = None,
) -> None:
    """Run a worker in this process until SIGTERM/SIGINT. Without a factory, the one named by
    `ASKARSAN_JOB_HANDLERS` is used; without options, they are read from the environment."""
    options = options or WorkerOptions.from_env(os.environ)
    if handlers_factory is None:
        if options.handlers is None:
            # Refuse rather than run with no handlers: every job would be parked as unknown.
            raise WorkerConfigError(f"no job handlers: set {ENV_HANDLERS}=package.module:factory")
        handlers_factory = load_handlers_factory(options.handlers)
    asyncio.run(serve_jobs(database_url, handlers_factory, options, asyncio.Event()))


def main() -> int:
    from bot.settings import Settings, SettingsError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = Settings()
        run_worker(settings.database_url)
    except (SettingsError, WorkerConfigError) as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
