"""The agency's policy from the settings: unreadable or unworkable values stop the start with the
variable and the reason (``askarsan`` exits with them), and the values set are what the running
app's interviews are scheduled by."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings, SettingsError
from bot.web.http import SERVICES
from scheduling.interview import EffectKind, Policy, Role
from scheduling.rules import SlotRequest
from services import Actor
from storage.models import Interview, Slot
from tests.helpers.clock import Clock
from tests.helpers.environment import ROOT
from tests.helpers.http import sessions_of
from tests.helpers.interviews import NOW, STARTS, WEDNESDAY, a_request, jobs


def test_bad_policy_settings_are_refused_at_start_with_each_variable_and_its_reason(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        ASKARSAN_REMINDERS_BEFORE="24h, 0m", ASKARSAN_RESCHEDULE_CUTOFF="-2h",
        ASKARSAN_MAX_RESCHEDULES="two", ASKARSAN_FEEDBACK_WINDOW="6h", ASKARSAN_PENDING_ESCALATION="90d",
    )
    with pytest.raises(SettingsError) as refused:
        settings.check()
    lines = str(refused.value).splitlines()
    assert lines[0] == "askARSAN cannot start:"
    assert "  - ASKARSAN_REMINDERS_BEFORE ('24h, 0m'): each reminder must be a positive time " \
           "(write none for no reminder)" in lines
    assert "  - ASKARSAN_RESCHEDULE_CUTOFF ('-2h'): '-2h' is negative: write how long, e.g. 2h" in lines
    assert "  - ASKARSAN_MAX_RESCHEDULES ('two'): 'two' is not a whole number" in lines
    assert "  - ASKARSAN_PENDING_ESCALATION ('90d'): 2160h is longer than 60 days: did you mean hours?" in lines
    # Checked against the escalation it must follow (the default 12h).
    assert "  - ASKARSAN_FEEDBACK_WINDOW ('6h'): the recruiter's alert (12h after the last reminder) " \
           "must come before the window closes (6h after it)" in lines
    with pytest.raises(SettingsError):
        settings.policy()


def test_policy_settings_replace_the_defaults_field_by_field(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(ASKARSAN_REMINDERS_BEFORE="48h, 2h, 15m", ASKARSAN_MAX_RESCHEDULES="0",
                             ASKARSAN_PENDING_REMINDERS="none", ASKARSAN_FEEDBACK_DELAY="1h30m")
    settings.check()
    policy = settings.policy()
    assert policy.reminders_before == (timedelta(hours=48), timedelta(hours=2), timedelta(minutes=15))
    assert policy.max_reschedules == 0 and policy.pending_reminders == ()
    assert policy.feedback_delay == timedelta(minutes=90)
    assert policy.reschedule_cutoff == Policy().reschedule_cutoff  # not set: the default
    assert make_settings().policy() == Policy()


async def test_askarsan_will_not_start_with_a_bad_policy_and_says_why(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASKARSAN_", "DATABASE_URL", "PUBLIC_URL"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "migrate", cwd=tmp_path, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**clean, "PYTHONPATH": str(ROOT), "ASKARSAN_ENV": "local",
             "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "ASKARSAN_DATA_DIR": str(tmp_path / "var"),
             "ASKARSAN_MAX_RESCHEDULES": "11"},
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 2
    assert "ASKARSAN_MAX_RESCHEDULES ('11'): must be between 0 and 10, not 11" in err.decode()
    assert not (tmp_path / "a.db").exists()


async def test_the_running_apps_interviews_are_reminded_at_the_agencys_times_from_the_settings(
    app_client: Callable[..., Any],
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false", ASKARSAN_REMINDERS_BEFORE="6h",
                              clock=Clock(NOW))
    scheduling = client.app[SERVICES].scheduling
    result = await scheduling.request_interview(a_request())
    sessions = sessions_of(client)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        client_actor = Actor(Role.CLIENT, interview.client_id)
        candidate = Actor(Role.CANDIDATE, interview.candidate_id)
    await scheduling.offer_slots(client_actor, result.interview_id,
                                 [SlotRequest(WEDNESDAY, time(10), "Europe/London")])
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == result.interview_id))
    assert slot_id is not None
    await scheduling.pick_slot(candidate, result.interview_id, slot_id)

    reminders = await jobs(sessions, result.interview_id, EffectKind.REMIND_BEFORE_INTERVIEW.value)
    assert sorted((j.role, j.due_at) for j in reminders) == [
        ("candidate", STARTS - timedelta(hours=6)), ("client", STARTS - timedelta(hours=6))]


def test_the_hold_follow_up_and_the_recruiters_follow_up_hold_are_settings_too(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(ASKARSAN_HOLD_FOLLOW_UP="3d", ASKARSAN_RECRUITER_FOLLOW_UP_AFTER="0m",
                             ASKARSAN_RECRUITER_FOLLOW_UP_LENGTH="45m")
    settings.check()
    policy = settings.policy()
    assert policy.hold_follow_up == timedelta(days=3)
    assert (policy.recruiter_follow_up_after, policy.recruiter_follow_up_length) == (
        timedelta(0), timedelta(minutes=45))
    refused = make_settings(ASKARSAN_HOLD_FOLLOW_UP="0m", ASKARSAN_RECRUITER_FOLLOW_UP_LENGTH="90d")
    with pytest.raises(SettingsError) as error:
        refused.check()
    assert "ASKARSAN_HOLD_FOLLOW_UP ('0m'): must be a positive time" in str(error.value)
    assert "ASKARSAN_RECRUITER_FOLLOW_UP_LENGTH ('90d'): 2160h is longer than 60 days" in str(error.value)
