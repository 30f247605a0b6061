"""The aiohttp application factory: `create_app(settings)`; nothing is created at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from botbuilder.core import ConversationState, UserState
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import __version__
from bot.directline.server import DirectLineService, install_own_connector, setup_directline
from bot.directline.tokens import TokenSigner
from bot.framework.activity_handler import AskarsanBot, make_turn_error_handler
from bot.framework.adapter import create_adapter
from bot.framework.middleware import ReplayGuard
from bot.framework.proactive import Messenger
from bot.framework.state import SqlAlchemyStorage
from bot.framework.teams_reach import TeamsReach
from bot.jobs.handlers import make_handlers
from bot.jobs.runner import Handler, JobRunner
from bot.settings import Settings
from bot.web.api import setup_api
from bot.web.chat import setup_chat
from bot.web.http import STATIC, database_errors, json_error, make_templates, render
from bot.web.tracker.routes import setup_tracker
from bot.web.tracker.signin import TrackerAuthConfig
from integrations.calendar import LocalCalendar
from integrations.factory import build_integrations
from integrations.mail import MailGateway
from services.facade import Services, utc_now
from services.notify import NotifyConfig
from services.scheduling import SchedulingConfig
from storage.db import create_engine, create_read_engine, database_reachable, session_factory
from storage.migrate import migrate
from storage.turn_order import begin_turn

log = logging.getLogger(__name__)


from bot.runtime import RUNTIME, Runtime  # noqa: E402 - re-exported for callers


def build_runtime(
    settings: Settings,
    mail: MailGateway | None = None,
    engine: AsyncEngine | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Runtime:
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    read_engine = create_read_engine(engine)
    read_sessions = session_factory(read_engine) if read_engine is not None else None
    storage = SqlAlchemyStorage(sessions)
    conversation_state = ConversationState(storage)
    user_state = UserState(storage)
    adapter = create_adapter(settings)
    adapter.use(ReplayGuard(sessions, clock))
    adapter.on_turn_error = make_turn_error_handler(conversation_state)
    scheduling_config = SchedulingConfig()
    integrations = build_integrations(settings)
    services = Services(
        sessions, clock=clock, config=scheduling_config, public_url=settings.public_url,
        calendar=integrations.calendar, read_sessions=read_sessions,
    )
    bot = AskarsanBot(conversation_state, user_state, services)
    messenger = Messenger(adapter, settings.app_id)
    mail = mail or integrations.mail
    runner_box: list[JobRunner] = []
    handlers = make_handlers(
        sessions,
        messenger,
        mail,
        NotifyConfig(
            settings.public_url, settings.mail_from, scheduling_config,
            # Any calendar but the local one makes the event with the client and the candidate as
            # attendees (bot/effects.py), so it sends the invitations: no `.ics` of ours as well.
            calendar_invites_attendees=not isinstance(integrations.calendar, LocalCalendar),
        ),
        clock,
        wake=lambda: runner_box[0].wake(),
        calendar=integrations.calendar,
        reach=TeamsReach(
            adapter, app_id=settings.app_id, agency_tenant_id=settings.app_tenant_id,
            service_url=settings.teams_service_url,
        ),
    )
    runner = JobRunner(sessions, handlers, clock=clock, lease=timedelta(minutes=2))
    runtime_handlers = handlers
    runner_box.append(runner)
    services.on_enqueued = runner.wake
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        adapter=adapter,
        bot=bot,
        conversation_state=conversation_state,
        user_state=user_state,
        templates=make_templates(),
        services=services,
        messenger=messenger,
        mail=mail,
        runner=runner,
        handlers=runtime_handlers,
        integrations=integrations,
        read_engine=read_engine,
    )


def create_app(
    settings: Settings,
    *,
    run_migrations: bool = True,
    mail: MailGateway | None = None,
    directline: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
    tracker: TrackerAuthConfig | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> web.Application:
    settings.check()
    settings = settings.with_local_secrets()
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[database_errors])
    runtime = build_runtime(settings, mail, clock=clock)
    app[RUNTIME] = runtime

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        if run_migrations:
            await migrate(runtime.engine)
        if settings.is_local:
            settings.outbox_dir.mkdir(parents=True, exist_ok=True)
        stop = asyncio.Event()
        jobs = (
            asyncio.create_task(runtime.runner.run_forever(stop), name="askarsan-jobs")
            if settings.run_jobs
            else None
        )
        yield
        stop.set()
        if jobs is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(jobs, timeout=10)
        await runtime.integrations.close()
        await runtime.adapter.auth.close()
        await runtime.engine.dispose()
        if runtime.read_engine is not None:
            await runtime.read_engine.dispose()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", landing)
    if settings.is_local:
        app.router.add_post("/demo", start_demo)
    app.router.add_static("/static", STATIC, append_version=False)
    assert settings.api_key is not None  # with_local_secrets() / check() guarantee it
    setup_api(app, runtime.services, settings.api_key.get_secret_value())
    setup_directline(app, **(directline or {}))
    setup_chat(app, **(chat or {}))
    setup_tracker(app, tracker)
    return app


def handlers_for(settings: Settings) -> Callable[..., Mapping[str, Handler]]:
    """The handlers factory of `askarsan worker`: the same handlers the server runs in-process,
    with the same way into web chat conversations (our own Direct Line connector)."""

    def factory(*, sessions: async_sessionmaker[AsyncSession]) -> Mapping[str, Handler]:
        engine = sessions.kw["bind"]
        runtime = build_runtime(settings, engine=engine)
        if settings.secret_key is not None:
            install_own_connector(
                DirectLineService(runtime, TokenSigner(settings.secret_key.get_secret_value()))
            )
        return runtime.handlers

    return factory


async def messages(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    begin_turn()  # the database serves the oldest waiting turn first (storage/turn_order.py)
    return await runtime.adapter.process(request, runtime.bot)


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    db_ok = await database_reachable(runtime.engine)
    body = {
        "status": "ok" if db_ok else "degraded",
        "version": __version__,
        "env": runtime.settings.env,
        "database": "reachable" if db_ok else "unreachable",
    }
    return web.json_response(body, status=200 if db_ok else 503)


async def landing(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    return render(
        runtime.templates,
        "landing.html",
        local=runtime.settings.is_local,
        outbox=str(runtime.settings.outbox_dir),
    )


async def start_demo(request: web.Request) -> web.Response:
    """`local` only: a demo interview with demo parties, and the two chat links to play it."""
    from urllib.parse import urlsplit

    from services.scheduling import InterviewRequest, PartyInput

    runtime = request.app[RUNTIME]
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise json_error(web.HTTPForbidden, "a demo can only be started from askARSAN's own page")
    result = await runtime.services.request_interview(
        InterviewRequest(
            recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
            client=PartyInput(
                "Harry Manager", "harry@northwind.example", "Europe/London",
                organisation="Northwind Ltd",
            ),
            candidate=PartyInput("Asha Rao", "asha@example.org", "Asia/Kolkata"),
            role_title="Senior Data Engineer",
        )
    )
    return render(
        runtime.templates,
        "demo_started.html",
        recruiter="Rita Recruiter",
        role="Senior Data Engineer",
        client="Harry Manager",
        client_zone="Europe/London",
        candidate="Asha Rao",
        candidate_zone="Asia/Kolkata",
        client_link=runtime.services.chat_link(result.client_token),
        candidate_link=runtime.services.chat_link(result.candidate_token),
    )


__all__ = ["RUNTIME", "Runtime", "create_app", "json_error"]
