"""The job runner's table: every effect kind the lifecycle writes has one planner, and the
failures of the gateways and the planners reach the runner in its own terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import PermanentFailure, RetryLater
from integrations.errors import PermanentError, TransientError
from integrations.mail import MemoryMail
from scheduling.interview import EffectKind
from services import ServiceContext, Services
from services.effects import CHANNEL_POST, PLANNERS, SEND_ACTIVITY, SEND_MAIL
from storage.jobs import ClaimedJob
from tests.helpers.jobs import Queue

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_every_effect_kind_has_exactly_one_planner_and_a_job_handler(queue: Queue) -> None:
    assert set(PLANNERS) == set(EffectKind)
    handlers = job_handlers(Services(ServiceContext(queue.sessions)), _Channel(None), MemoryMail())
    assert set(handlers) == {kind.value for kind in EffectKind} | {SEND_ACTIVITY, SEND_MAIL, CHANNEL_POST}


class _Channel:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.sent: list[dict[str, Any]] = []

    async def send(self, reference: dict[str, object], activity: dict[str, object]) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append(dict(activity))


def _job(kind: str, payload: dict[str, Any], interview_id: str | None = None) -> ClaimedJob:
    return ClaimedJob(
        id="j1", kind=kind, payload=payload, interview_id=interview_id, role=None, attempts=1,
        max_attempts=5, idempotency_key="k", due_at=NOW, locked_until=NOW + timedelta(minutes=2),
    )


@pytest.mark.parametrize(
    ("error", "expected", "after"),
    [
        (TransientError("429", after=timedelta(seconds=7)), RetryLater, timedelta(seconds=7)),
        (PermanentError("the channel refused the message (403)"), PermanentFailure, None),
        (TransientError("connection reset"), TransientError, None),
    ],
    ids=["throttled-retry-after", "refused-for-good", "transient-own-backoff"],
)
async def test_a_channels_failure_reaches_the_runner_in_its_own_terms(
    queue: Queue, error: Exception, expected: type[Exception], after: timedelta | None
) -> None:
    handlers = job_handlers(Services(ServiceContext(queue.sessions)), _Channel(error), MemoryMail())
    job = _job(SEND_ACTIVITY, {"reference": {}, "activity": {"type": "message"}})
    with pytest.raises(expected) as caught:
        await handlers[SEND_ACTIVITY](job)
    if after is not None:
        assert isinstance(caught.value, RetryLater) and caught.value.after == after


async def test_an_effect_of_an_interview_that_no_longer_exists_is_parked(queue: Queue) -> None:
    handlers = job_handlers(Services(ServiceContext(queue.sessions)), _Channel(None), MemoryMail())
    job = _job(EffectKind.CONFIRM_BOOKING.value, {"data": {}}, interview_id="no-such-interview")
    with pytest.raises(PermanentFailure, match="no longer exists"):
        await handlers[EffectKind.CONFIRM_BOOKING.value](job)
