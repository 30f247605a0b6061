"""What the app owns and hands to request handlers: one `Runtime` per app, at `app[RUNTIME]`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import ConversationState, UserState
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.framework.activity_handler import AskarsanBot
from bot.framework.adapter import AskarsanAdapter
from bot.framework.proactive import Messenger
from bot.jobs.runner import Handler, JobRunner
from bot.settings import Settings
from integrations.factory import Integrations
from integrations.mail import MailGateway
from services.facade import Services


@dataclass
class Runtime:
    """Everything a request handler may need, owned by the app and closed with it."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    adapter: AskarsanAdapter
    bot: AskarsanBot
    conversation_state: ConversationState
    user_state: UserState
    templates: Environment
    services: Services
    messenger: Messenger
    mail: MailGateway
    runner: JobRunner
    handlers: Mapping[str, Handler]
    integrations: Integrations
    # The reports' read-only engine on SQLite (storage.db.create_read_engine), closed with the app.
    read_engine: AsyncEngine | None = None

    @property
    def reports(self) -> async_sessionmaker[AsyncSession]:
        """What the tracker's pages read with (`Services.reports`)."""
        return self.services.reports


RUNTIME = web.AppKey("runtime", Runtime)
