"""Booking pages on real databases: each change is a new version and the old ones stay as they
were; a bad page is refused by field path with nothing written; the preview is the page's hours in
its zone minus the client's bookings.

The booked interview is Wednesday 25 November 2026 10:00–11:00 UTC, requested Monday 09:00
(tests/helpers/interviews.py); New York is UTC−5 then."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.availability import page, page_version, preview, set_page
from services.core import InvalidRequest, NotFound
from storage.models import BookingPageRow, Interview
from tests.helpers.databases import count
from tests.helpers.interviews import NOW, booked

Sessions = async_sessionmaker[AsyncSession]

# Wednesdays 05:00–08:00 in New York: 10:00–13:00 UTC in November.
PAGE: dict[str, Any] = {
    "zone": "America/New_York",
    "weekly": {"wed": [{"start": "05:00", "end": "08:00"}]},
    "rules": {"durations_minutes": [60], "min_notice_minutes": 0, "step_minutes": 60},
}


async def client_of(sessions: Sessions) -> tuple[str, str]:
    parties = await booked(sessions)
    async with sessions() as session:
        interview = await session.get_one(Interview, parties.interview_id)
        return interview.client_id, interview.candidate_id


def utc(day: int, hour: int) -> datetime:
    month = 11 if day > 20 else 12
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def test_each_change_is_a_new_version_and_the_old_one_stays(sessions: Sessions) -> None:
    client_id, _ = await client_of(sessions)
    assert await page(sessions, client_id) is None

    version, first = await set_page(sessions, client_id, PAGE, now=NOW, by="api")
    assert (version, first.version, first.zone) == (1, 1, "America/New_York")
    later = {**PAGE, "weekly": {"thu": [{"start": "09:00", "end": "17:00"}]}}
    version, second = await set_page(sessions, client_id, later, now=NOW, by="tracker")
    assert version == 2

    latest = await page(sessions, client_id)
    assert latest is not None and latest == (2, second)
    assert await page_version(sessions, client_id, 1) == first
    async with sessions() as session:
        rows = list(await session.scalars(select(BookingPageRow).order_by(BookingPageRow.version)))
    assert [(r.version, r.created_by, r.page["weekly"]["wed"]) for r in rows] == [
        (1, "api", [{"start": "05:00", "end": "08:00"}]),
        (2, "tracker", []),
    ]


BAD = {
    "an unknown zone": ({**PAGE, "zone": "Mars/Olympus"}, ["zone"]),
    "an end before its start": (
        {**PAGE, "weekly": {"mon": [{"start": "17:00", "end": "09:00"}]}}, ["weekly.mon[0]"]
    ),
    "overlapping windows": (
        {**PAGE, "weekly": {"tue": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}},
        ["weekly.tue[1]"],
    ),
    "unknown keys, at the top and in the rules": (
        {**PAGE, "timezone": "UTC", "rules": {**PAGE["rules"], "bufer_minutes": 10}},
        ["timezone", "rules.bufer_minutes"],
    ),
}


@pytest.mark.parametrize(("data", "paths"), BAD.values(), ids=BAD.keys())
async def test_a_bad_page_names_each_path_and_writes_nothing(
    sessions: Sessions, data: dict[str, Any], paths: list[str]
) -> None:
    client_id, _ = await client_of(sessions)
    with pytest.raises(InvalidRequest) as raised:
        await set_page(sessions, client_id, data, now=NOW, by="api")
    assert sorted(raised.value.problems) == sorted(paths), raised.value.problems
    assert await count(sessions, BookingPageRow) == 0


async def test_a_stale_version_is_refused_not_overwritten(sessions: Sessions) -> None:
    client_id, _ = await client_of(sessions)
    await set_page(sessions, client_id, PAGE, now=NOW, by="api")
    await set_page(sessions, client_id, {**PAGE, "version": 1}, now=NOW, by="api")
    with pytest.raises(InvalidRequest) as raised:
        await set_page(sessions, client_id, {**PAGE, "version": 1}, now=NOW, by="api")
    assert list(raised.value.problems) == ["version"]
    assert await count(sessions, BookingPageRow) == 2


async def test_only_a_client_has_a_page(sessions: Sessions) -> None:
    _, candidate_id = await client_of(sessions)
    for who in ("no-such-party", candidate_id):
        with pytest.raises(NotFound):
            await set_page(sessions, who, PAGE, now=NOW, by="api")
        with pytest.raises(NotFound):
            await page(sessions, who)
    assert await count(sessions, BookingPageRow) == 0


async def test_the_preview_keeps_the_hours_in_the_page_zone_and_skips_a_booking(sessions: Sessions) -> None:
    client_id, _ = await client_of(sessions)
    assert await preview(sessions, client_id, now=NOW) == []
    await set_page(sessions, client_id, PAGE, now=NOW, by="api")

    times = await preview(sessions, client_id, now=NOW, limit=4)

    # 10:00 UTC (05:00 in New York) on the 25th is the client's booked interview.
    assert [t.start for t in times] == [utc(25, 11), utc(25, 12), utc(2, 10), utc(2, 11)]
    assert {t.end - t.start for t in times} == {timedelta(hours=1)}


async def test_a_length_the_page_does_not_offer_is_refused(sessions: Sessions) -> None:
    client_id, _ = await client_of(sessions)
    await set_page(sessions, client_id, PAGE, now=NOW, by="api")
    with pytest.raises(InvalidRequest) as raised:
        await preview(sessions, client_id, now=NOW, duration=timedelta(minutes=45))
    assert list(raised.value.problems) == ["duration_minutes"]


async def test_changes_at_once_each_get_their_own_version(sessions: Sessions) -> None:
    client_id, _ = await client_of(sessions)
    pages = [{**PAGE, "rules": {**PAGE["rules"], "max_per_day": n}} for n in range(1, 9)]
    results = await asyncio.gather(*(set_page(sessions, client_id, p, now=NOW, by="api") for p in pages))
    assert sorted(version for version, _ in results) == list(range(1, 9))
    async with sessions() as session:
        rows = list(await session.scalars(select(BookingPageRow)))
    # Each stored version is the page that change sent.
    assert {(r.version, r.page["rules"]["max_per_day"]) for r in rows} == {
        (version, stored.rules.max_per_day) for version, stored in results
    }


async def test_a_first_page_read_when_there_was_none_never_replaces_one_set_meanwhile(sessions: Sessions) -> None:
    client_id, _ = await client_of(sessions)
    outcomes = await asyncio.gather(
        *(set_page(sessions, client_id, PAGE, now=NOW, by=f"form {n}", first=True) for n in range(5)),
        return_exceptions=True,
    )
    stored = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, InvalidRequest)]
    assert len(stored) == 1 and len(refused) == 4
    assert "set meanwhile" in refused[0].problems["version"]
    assert await count(sessions, BookingPageRow) == 1
