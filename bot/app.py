"""The one composition root: every part of askARSAN is built here, once, in order, and handed to
what needs it. Nothing is created at import time and nothing is patched onto an object after it
is built (``docs/architecture.md``, "Rooms").

``build_runtime(settings)`` builds the parts (the server and ``askarsan worker`` use the same);
``create_app(settings)`` builds the aiohttp application on top: the bot endpoint, the Direct Line
channel, the pages, the JSON API and the tracker, and runs the job runner with the app.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from botbuilder.core import ConversationState, UserState
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.directline.connector import OwnConnector
from bot.directline.server import DirectLineChat, setup_directline
from bot.directline.service import DirectLineService
from bot.directline.tokens import TokenSigner
from bot.framework.activity_handler import AskarsanBot, make_turn_error_handler, setup_bot_endpoint
from bot.framework.adapter import AskarsanAdapter, create_adapter
from bot.framework.middleware import ReplayGuard
from bot.framework.proactive import Messenger
from bot.framework.state import SqlAlchemyStorage
from bot.framework.team_channel import TeamChannelPoster
from bot.framework.teams_reach import TeamsReach
from bot.jobs.handlers import job_handlers
from bot.jobs.runner import Handler, JobRunner
from bot.settings import Settings
from bot.web.api import setup_api
from bot.web.chat import AzureDirectLine, ChatChannel, setup_chat
from bot.web.http import SERVICES, SETTINGS, TEMPLATES, database_errors, make_templates, unstorable_parameters
from bot.web.pages import setup_pages
from bot.web.tracker.routes import setup_tracker
from bot.web.tracker.signin import TrackerAuthConfig
from integrations.calendar import CalendarGateway, LocalCalendar
from integrations.factory import Integrations, build_integrations
from integrations.mail import MailGateway
from services import Doorbell, SchedulingConfig, ServiceContext, Services, utc_now
from storage.db import create_engine, create_read_engine, session_factory
from storage.migrate import migrate

__all__ = ["RUNTIME", "Runtime", "build_runtime", "create_app"]


@dataclass
class Runtime:
    """Everything the composition root built, owned by one app or worker and closed with it."""

    settings: Settings
    engine: AsyncEngine
    # The reports' read-only engine on a SQLite file (storage.db.create_read_engine), else None.
    read_engine: AsyncEngine | None
    services: Services
    integrations: Integrations
    mail: MailGateway
    adapter: AskarsanAdapter
    conversation_state: ConversationState
    user_state: UserState
    bot: AskarsanBot
    messenger: Messenger
    directline: DirectLineService
    connector: OwnConnector
    handlers: Mapping[str, Handler]
    runner: JobRunner
    templates: Environment

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.services.ctx.sessions

    @property
    def reports(self) -> async_sessionmaker[AsyncSession]:
        return self.services.ctx.read_sessions

    async def close(self) -> None:
        await self.integrations.close()
        await self.adapter.auth.close()  # its connectors, our own Direct Line one included
        await self.engine.dispose()
        if self.read_engine is not None:
            await self.read_engine.dispose()


RUNTIME = web.AppKey("runtime", Runtime)
WARM_TIMES_AFTER_S = 0.5  # after start-up: aiohttp listens a few milliseconds after the lifecycle


def build_runtime(
    settings: Settings,
    *,
    mail: MailGateway | None = None,
    calendar: CalendarGateway | None = None,
    engine: AsyncEngine | None = None,
    clock: Callable[[], datetime] = utc_now,
    serving: bool = False,
    directline_poll_seconds: float = 2.0,
    directline_token_ttl: int | None = None,
    directline_caps: Mapping[str, Any] | None = None,
) -> Runtime:
    """Build every part, in order. `mail` and `calendar` replace the gateways the settings choose
    (the in-memory fakes of the tests). `serving`: this process serves the Direct Line endpoint
    (the server), so our own connector stores the bot's activities in process; a worker posts
    them to the server over HTTP."""
    if settings.secret_key is None:
        raise ValueError("ASKARSAN_SECRET_KEY is required (Settings.with_local_secrets makes one locally)")
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    read_engine = create_read_engine(engine)
    integrations = build_integrations(settings)
    calendar = calendar or integrations.calendar
    adapter = create_adapter(settings)
    ctx = ServiceContext(
        sessions=sessions,
        reports=session_factory(read_engine) if read_engine is not None else None,
        clock=clock,
        config=SchedulingConfig(policy=settings.policy()),
        calendar=calendar,
        teams=TeamsReach(
            adapter, app_id=settings.app_id, agency_tenant_id=settings.app_tenant_id,
            service_url=settings.teams_service_url, served_tenants=settings.allowed_tenants,
        ),
        doorbell=Doorbell(),
        public_url=settings.public_url,
        mail_from=settings.mail_from,
        # Any calendar but the local one makes the event with the client and the candidate as
        # attendees, so it sends the invitations: no `.ics` of ours as well.
        calendar_invites_attendees=not isinstance(calendar, LocalCalendar),
    )
    services = Services(ctx, outbox=settings.outbox_dir if settings.mail_backend == "outbox" else None)
    storage = SqlAlchemyStorage(sessions)
    conversation_state, user_state = ConversationState(storage), UserState(storage)
    adapter.use(ReplayGuard(sessions, clock))
    adapter.on_turn_error = make_turn_error_handler(conversation_state)
    bot = AskarsanBot(conversation_state, user_state, services)
    directline = DirectLineService(
        settings=settings,
        sessions=sessions,
        adapter=adapter,
        on_turn=bot.on_turn,
        signer=TokenSigner(settings.secret_key.get_secret_value()),
        token_ttl=directline_token_ttl or settings.directline_token_ttl,
        poll_seconds=directline_poll_seconds,
        service_url_override=settings.directline_service_url,
        **(directline_caps or {}),
    )
    connector = OwnConnector(directline, serving=serving, body_limit=settings.max_body_bytes)
    adapter.auth.route(connector)
    messenger = Messenger(adapter, settings.app_id)
    mail = mail or integrations.mail
    handlers = job_handlers(services, messenger, mail, TeamChannelPoster(adapter, settings.app_id))
    runner = JobRunner(
        sessions, handlers, clock=clock, lease=timedelta(seconds=settings.job_lease_seconds),
        batch=settings.job_batch, doorbell=ctx.doorbell,
    )
    return Runtime(
        settings=settings, engine=engine, read_engine=read_engine, services=services,
        integrations=integrations, mail=mail, adapter=adapter, conversation_state=conversation_state,
        user_state=user_state, bot=bot, messenger=messenger, directline=directline,
        connector=connector, handlers=handlers, runner=runner, templates=make_templates(),
    )


def create_app(
    settings: Settings,
    *,
    run_migrations: bool = True,
    mail: MailGateway | None = None,
    calendar: CalendarGateway | None = None,
    directline: Mapping[str, Any] | None = None,
    chat: Mapping[str, Any] | None = None,
    tracker: TrackerAuthConfig | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> web.Application:
    """The server. `directline` (``poll_seconds``, ``token_ttl``, the caps' ``caps_clock`` and
    ``max_tracked``) and `chat` (``directline_secret``,
    ``directline_base_url``, ``limiter``, ``bundle``) override what the settings say, for tests."""
    settings.check()
    settings = settings.with_local_secrets()
    options = directline or {}
    runtime = build_runtime(
        settings, mail=mail, calendar=calendar, clock=clock, serving=True,
        directline_poll_seconds=float(options.get("poll_seconds", 2.0)),
        directline_token_ttl=options.get("token_ttl"),
        directline_caps={k: options[k] for k in ("caps_clock", "max_tracked") if k in options},
    )
    app = web.Application(
        client_max_size=settings.max_body_bytes, middlewares=[database_errors, unstorable_parameters]
    )
    app[RUNTIME] = runtime
    app[SERVICES] = runtime.services
    app[SETTINGS] = settings
    app[TEMPLATES] = runtime.templates

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        if run_migrations:
            await migrate(runtime.engine)
        # The date recognizers build in a worker thread, started once the server listens: started
        # here, the thread held the GIL against the server's first answers (/healthz's first
        # took about 20 ms instead of 3, bench/bench_startup.py). Turns meanwhile keep their
        # buttons; none builds a model.
        warming = asyncio.get_running_loop().call_later(WARM_TIMES_AFTER_S, runtime.services.ctx.times.warm)
        if settings.is_local:
            settings.outbox_dir.mkdir(parents=True, exist_ok=True)
        stop = asyncio.Event()
        jobs = (
            asyncio.create_task(
                runtime.runner.run_forever(stop, settings.job_poll_seconds), name="askarsan-jobs"
            )
            if settings.run_jobs
            else None
        )
        yield
        warming.cancel()
        stop.set()
        if jobs is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(jobs, timeout=10)
        await runtime.close()

    app.cleanup_ctx.append(lifecycle)
    setup_bot_endpoint(app, runtime.adapter, runtime.bot)
    setup_pages(app)
    assert settings.api_key is not None  # with_local_secrets() / check() guarantee it
    setup_api(app, settings.api_key.get_secret_value())
    setup_directline(app, runtime.directline, runtime.services)
    setup_chat(app, _chat_channel(settings, runtime, chat or {}), **_chat_options(chat or {}))
    setup_tracker(app, tracker)
    return app


def _chat_channel(settings: Settings, runtime: Runtime, chat: Mapping[str, Any]) -> ChatChannel:
    """Azure Direct Line when a secret is set, else the built-in channel."""
    secret = chat.get("directline_secret")
    if secret is None and settings.directline_secret is not None:
        secret = settings.directline_secret.get_secret_value()
    if secret:
        base_url = str(chat.get("directline_base_url") or settings.directline_base_url)
        return AzureDirectLine(str(secret), base_url)
    return DirectLineChat(runtime.directline)


def _chat_options(chat: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in chat.items() if k in ("limiter", "bundle")}
