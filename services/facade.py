"""`Services`: the one way into the use cases, for every entry point — the Bot Framework dialogs
and card actions, the JSON API, the tracker, the job runner, the demo and the CLI.

It is built once by the composition root (``bot/app.py``) from one ``ServiceContext`` (the
database, the clock, the policy, the gateways) and groups the use cases by what they are about.
No entry point builds a use-case object of its own or chooses sessions: the read side gets its
sessions here too. Each group's module holds the use cases themselves as functions that take the
database and ``now`` explicitly (what the service tests drive).
"""

from __future__ import annotations

from pathlib import Path

from services.availability import Availability
from services.booking import Bookings
from services.changes import Changes
from services.channel import TeamChannel
from services.client_policy import ClientPolicies
from services.context import ServiceContext
from services.controls import Controls
from services.effects import Effects
from services.feedback import FeedbackUseCases
from services.identity import People
from services.outcomes import OutcomeUseCases
from services.privacy import Privacy
from services.reports import Reports
from services.scheduling import Scheduling
from services.team import Team
from storage.db import database_reachable, engine_of


class Services:
    def __init__(self, ctx: ServiceContext, *, outbox: Path | None = None) -> None:
        self.ctx = ctx
        self.scheduling = Scheduling(ctx)
        self.changes = Changes(ctx)
        self.availability = Availability(ctx)
        self.policies = ClientPolicies(ctx)
        self.booking = Bookings(ctx)
        self.feedback = FeedbackUseCases(ctx)
        self.outcomes = OutcomeUseCases(ctx)
        self.people = People(ctx)
        self.reports = Reports(ctx)
        self.privacy = Privacy(ctx, outbox=outbox)
        self.effects = Effects(ctx)
        self.team = Team(ctx)
        self.controls = Controls(ctx)  # the recruiter's controls on a booked interview
        self.channel = TeamChannel(ctx)

    @property
    def public_url(self) -> str:
        return self.ctx.public_url

    def chat_link(self, token: str) -> str:
        return self.ctx.chat_link(token)

    async def database_reachable(self) -> bool:
        return await database_reachable(engine_of(self.ctx.sessions))
