"""The overdue rules, table-driven at their boundaries; the SQL form says the same as the Python one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from scheduling.interview import Stage
from services.reports.pipeline import OverduePolicy, next_action, overdue_clause, pipeline_rows
from storage.models import Interview
from tests.helpers.http import sessions_of
from tests.helpers.tracker import book, fail_a_job, new_interview, weekday_after

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)

# (id, stage, in stage for, deadline relative to now, failed jobs, overdue?, owed by)
CASES = [
    ("slots-47h-fine", Stage.AWAITING_SLOTS, 47 * H, None, 0, False, "client"),
    ("slots-48h-overdue", Stage.AWAITING_SLOTS, 48 * H, None, 0, True, "client"),
    ("pick-47h-fine", Stage.AWAITING_PICK, 47 * H, None, 0, False, "candidate"),
    ("pick-48h-overdue", Stage.AWAITING_PICK, 48 * H, None, 0, True, "candidate"),
    ("feedback-71h-fine", Stage.AWAITING_FEEDBACK, 71 * H, None, 0, False, "client and candidate"),
    ("feedback-72h-overdue", Stage.AWAITING_FEEDBACK, 72 * H, None, 0, True, "client and candidate"),
    ("deadline-passed", Stage.AWAITING_SLOTS, 1 * H, -1 * H, 0, True, "client"),
    ("deadline-ahead", Stage.AWAITING_PICK, 1 * H, 1 * H, 0, False, "candidate"),
    ("deadline-irrelevant-once-booked", Stage.SCHEDULED, 100 * H, -1 * H, 0, False, "client and candidate"),
    ("failed-job-any-stage", Stage.SCHEDULED, 1 * H, None, 2, True, "recruiter"),
    ("decision-due", Stage.FEEDBACK_COMPLETE, 500 * H, None, 0, False, "recruiter"),
    ("decided-nothing-to-do", Stage.DECIDED, 500 * H, None, 0, False, None),
    ("cancelled-nothing-to-do", Stage.CANCELLED, 500 * H, None, 0, False, None),
]


@pytest.mark.parametrize(
    ("stage", "waited", "deadline", "failed", "overdue", "owed_by"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_overdue_rules(stage, waited, deadline, failed, overdue, owed_by):
    action = next_action(
        stage, stage_changed_at=NOW - waited, starts_at=None,
        deadline=NOW + deadline if deadline is not None else None, failed_jobs=failed, now=NOW,
    )
    if owed_by is None and not overdue:
        assert action is None
        return
    assert action is not None
    assert (action.overdue is not None) is overdue
    assert action.owed_by == owed_by


def test_a_stricter_policy_moves_the_line():
    action = next_action(Stage.AWAITING_SLOTS, stage_changed_at=NOW - 25 * H, starts_at=None, deadline=None,
                         failed_jobs=0, now=NOW, policy=OverduePolicy(slots_within=24 * H))
    assert action is not None and action.overdue == "no slots for 1 d 1 h"


async def test_the_sql_rule_agrees_with_the_python_rule(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    ids = {}
    for case_id, stage, waited, deadline, failed, _, _ in CASES:
        iid, _, _ = await new_interview(sessions, NOW - 200 * H, candidate=case_id)
        async with sessions.begin() as session:
            await session.execute(
                update(Interview).where(Interview.id == iid).values(
                    stage=stage.value, stage_changed_at=NOW - waited,
                    deadline=NOW + deadline if deadline is not None else None,
                )
            )
        if failed:
            await fail_a_job(sessions, iid)
        ids[iid] = case_id
    async with sessions() as session:
        flagged = set(await session.scalars(select(Interview.id).where(overdue_clause(NOW))))
    expected = {iid for iid, case_id in ids.items() if next(c for c in CASES if c[0] == case_id)[5]}
    assert {ids[i] for i in flagged} == {ids[i] for i in expected}


async def test_the_teams_pipeline_lists_overdue_first_and_upcoming_lists_booked_soonest(tracker_app):
    client = await tracker_app()
    sessions = sessions_of(client)
    now = datetime.now(UTC)
    await new_interview(sessions, now, candidate="Fresh Request")
    await new_interview(sessions, now - 50 * H, candidate="Late Slots")
    soon, c1, k1 = await new_interview(sessions, now, candidate="Soon Booked")
    later, c2, k2 = await new_interview(sessions, now, candidate="Later Booked", organisation="Other Co")
    await book(sessions, later, c2, k2, now, weekday_after(now, 10))
    await book(sessions, soon, c1, k1, now, weekday_after(now, 3))

    rows = await pipeline_rows(sessions, now=now)
    assert rows[0].candidate == "Late Slots" and rows[0].overdue
    assert rows[0].next_action == "Offer time slots (client)"
    assert {r.candidate for r in rows} == {"Fresh Request", "Late Slots", "Soon Booked", "Later Booked"}

    upcoming = await pipeline_rows(sessions, upcoming=True, now=now)
    assert [r.candidate for r in upcoming] == ["Soon Booked", "Later Booked"]
    assert upcoming[0].when is not None and "(Europe/London)" in upcoming[0].when

    assert await pipeline_rows(sessions, recruiter_id="someone-else", now=now) == []
