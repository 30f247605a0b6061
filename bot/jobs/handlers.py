"""What the job runner does with each kind of job: every effect kind goes to the services' effect
table (``Services.effects``); the deliveries those plan go to the channel (Teams or web chat, through
the Bot Framework) or the mail gateway. Failures are mapped once, here, to the runner's terms.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from bot.jobs.runner import Handler, PermanentFailure, RetryLater
from integrations.errors import PermanentError, TransientError
from integrations.mail import MailGateway
from services import Services
from services.channel import ChannelPoster
from services.effects import CHANNEL_POST, SEND_ACTIVITY, SEND_MAIL, Gone, NotYet, mail_from_payload
from storage.jobs import ClaimedJob

__all__ = ["Channel", "job_handlers"]


class Channel(Protocol):
    """Where an activity is delivered: a stored conversation reference continued proactively
    (``bot/framework/proactive.py``)."""

    async def send(self, reference: dict[str, object], activity: dict[str, object]) -> None: ...


async def _mapped(call: Callable[[], Awaitable[None]]) -> None:
    """Run a job's work and map its failures for the runner: a throttle with Retry-After is
    retried after it, another transient failure with the runner's own backoff, a permanent one or
    a vanished interview parks the job."""
    try:
        await call()
    except NotYet as later:
        raise RetryLater(later.after, str(later)) from later
    except Gone as gone:
        raise PermanentFailure(str(gone)) from gone
    except TransientError as error:
        if error.after is not None:
            raise RetryLater(error.after, str(error)) from error
        raise
    except PermanentError as error:
        raise PermanentFailure(str(error)) from error


def job_handlers(
    services: Services, channel: Channel, mail: MailGateway, poster: ChannelPoster | None = None
) -> Mapping[str, Handler]:
    async def effect(job: ClaimedJob) -> None:
        await _mapped(lambda: services.effects.run(job))

    async def send_activity(job: ClaimedJob) -> None:
        await _mapped(lambda: channel.send(job.payload["reference"], job.payload["activity"]))

    async def send_mail(job: ClaimedJob) -> None:
        # The gateway's own failures (MailSendFailed, a Graph error) are retried with backoff and
        # parked after the job's last attempt, like any other error.
        await mail.send(mail_from_payload(job.payload))

    async def channel_post(job: ClaimedJob) -> None:
        # A recruiting team's channel (services/channel.py): without a poster nothing can post.
        if poster is None:
            raise PermanentFailure("no Teams channel poster in this process")
        await _mapped(lambda: services.channel.deliver(poster, job))

    handlers: dict[str, Handler] = {kind: effect for kind in services.effects.kinds}
    handlers[CHANNEL_POST] = channel_post
    handlers[SEND_ACTIVITY] = send_activity
    handlers[SEND_MAIL] = send_mail
    return handlers
