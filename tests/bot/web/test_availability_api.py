"""The JSON API's booking pages over HTTP against the real app, on SQLite and PostgreSQL: an ATS
learns the client's id from the interview it requested, PUTs the client's page and GETs it back;
each PUT is a new version (the old one stays stored as it was); a bad page is a 422 naming every
path with nothing written; the next open times follow the page's hours in its zone and skip the
client's booked interview. New routes: on the code before them, each of these was a 404/405.

The booked interview is Wednesday 25 November 2026 10:00–11:00 UTC, requested Monday 09:00
(tests/helpers/interviews.py); New York is UTC−5 then."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from storage.models import BookingPageRow, Interview
from tests.helpers.clock import Clock
from tests.helpers.databases import count
from tests.helpers.http import AUTH, sessions_of
from tests.helpers.interviews import NOW, booked

HEADERS = {**AUTH, "Content-Type": "application/json"}
PAGE: dict[str, Any] = {
    "zone": "America/New_York",
    "weekly": {"wed": [{"start": "05:00", "end": "08:00"}]},  # 10:00–13:00 UTC in November
    "rules": {"durations_minutes": [60], "min_notice_minutes": 0, "step_minutes": 60},
}
REQUEST: dict[str, Any] = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "America/New_York"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
}


async def started(app_client: Any, database_url: str) -> TestClient:
    client: TestClient = await app_client(DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false", clock=Clock(NOW))
    return client


async def client_id_from_the_api(client: TestClient) -> str:
    created = await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=HEADERS)
    assert created.status == 201, await created.text()
    answer = await created.json()
    read = await (await client.get(f"/api/v1/interviews/{answer['id']}", headers=AUTH)).json()
    assert read["client_id"] == answer["client_id"] and read["candidate_id"] == answer["candidate_id"]
    assert answer["client_id"] != answer["candidate_id"]
    return str(answer["client_id"])


def put(client: TestClient, client_id: str, body: object, headers: dict[str, str] = HEADERS) -> Any:
    return client.put(f"/api/v1/clients/{client_id}/availability", data=json.dumps(body), headers=headers)


async def test_put_then_get_and_a_second_put_is_version_2(app_client: Any, database_url: str) -> None:
    client = await started(app_client, database_url)
    client_id = await client_id_from_the_api(client)
    missing = await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)
    assert missing.status == 404 and "no booking page yet" in (await missing.json())["error"]

    first = await put(client, client_id, PAGE)
    assert first.status == 200, await first.text()
    stored = await first.json()
    assert (stored["client_id"], stored["version"], stored["page"]["zone"]) == (client_id, 1, "America/New_York")
    assert stored["page"]["weekly"]["wed"] == [{"start": "05:00", "end": "08:00"}]
    read = await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)
    assert read.status == 200 and await read.json() == stored

    second = await put(client, client_id, {**PAGE, "weekly": {"thu": [{"start": "09:00", "end": "17:00"}]}})
    assert second.status == 200, await second.text()
    assert (await second.json())["version"] == 2
    latest = await (await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)).json()
    assert latest["version"] == 2 and latest["page"]["weekly"]["wed"] == []
    async with sessions_of(client)() as session:
        rows = list(await session.scalars(select(BookingPageRow).order_by(BookingPageRow.version)))
    assert [(r.version, r.created_by) for r in rows] == [(1, "api"), (2, "api")]
    assert rows[0].page == stored["page"]


BAD = {
    "an unknown zone": ({**PAGE, "zone": "Mars/Olympus"}, ["zone"]),
    "an end before its start": ({**PAGE, "weekly": {"mon": [{"start": "17:00", "end": "09:00"}]}}, ["weekly.mon[0]"]),
    "overlapping windows": (
        {**PAGE, "weekly": {"tue": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}},
        ["weekly.tue[1]"],
    ),
    "unknown fields, never dropped": (
        {**PAGE, "timezone": "UTC", "rules": {**PAGE["rules"], "bufer_minutes": 10}},
        ["timezone", "rules.bufer_minutes"],
    ),
    "several problems at once": (
        {"zone": "Nowhere", "weekly": {"fri": [{"start": "9am", "end": "17:00"}]}, "rules": {"horizon_days": 0}},
        ["zone", "weekly.fri[0].start", "rules.horizon_days"],
    ),
}


@pytest.mark.parametrize(("body", "paths"), BAD.values(), ids=BAD.keys())
async def test_a_bad_page_is_a_422_naming_each_path_and_writes_nothing(
    app_client: Any, database_url: str, body: dict[str, Any], paths: list[str]
) -> None:
    client = await started(app_client, database_url)
    client_id = await client_id_from_the_api(client)
    response = await put(client, client_id, body)
    assert response.status == 422, await response.text()
    answer = await response.json()
    assert answer["error"] and sorted(answer["problems"]) == sorted(paths), answer
    assert all(answer["problems"].values())
    assert await count(sessions_of(client), BookingPageRow) == 0


async def test_an_unknown_client_or_a_candidate_is_a_404_and_no_key_a_401(app_client: Any, database_url: str) -> None:
    client = await started(app_client, database_url)
    client_id = await client_id_from_the_api(client)
    created = await client.post("/api/v1/interviews", data=json.dumps(
        {**REQUEST, "candidate": {**REQUEST["candidate"], "email": "other@example.org"}}), headers=HEADERS)
    candidate_id = (await created.json())["candidate_id"]
    for who in ("no-such-client", candidate_id):
        assert (await put(client, who, PAGE)).status == 404
        assert (await client.get(f"/api/v1/clients/{who}/availability", headers=AUTH)).status == 404
    no_key = {"Content-Type": "application/json"}
    assert (await put(client, client_id, PAGE, headers=no_key)).status == 401
    wrong = {**no_key, "Authorization": "Bearer not-the-key"}
    assert (await put(client, client_id, PAGE, headers=wrong)).status == 401
    assert (await client.get(f"/api/v1/clients/{client_id}/availability")).status == 401
    assert await count(sessions_of(client), BookingPageRow) == 0


async def test_next_open_times_follow_the_page_zone_and_skip_the_clients_booking(
    app_client: Any, database_url: str
) -> None:
    client = await started(app_client, database_url)
    parties = await booked(sessions_of(client))
    client_id = parties.client.party_id
    response = await put(client, client_id, PAGE)
    assert response.status == 200, await response.text()
    times = (await response.json())["next_open_times"]
    assert len(times) == 10
    # Wednesdays 05:00, 06:00, 07:00 New York = 10:00, 11:00, 12:00 UTC; the 25th's 10:00 is booked.
    assert times[:5] == [
        "2026-11-25T11:00:00+00:00", "2026-11-25T12:00:00+00:00",
        "2026-12-02T10:00:00+00:00", "2026-12-02T11:00:00+00:00", "2026-12-02T12:00:00+00:00",
    ]
    read = await (await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)).json()
    assert read["next_open_times"] == times


async def test_a_request_after_the_page_is_set_books_from_it_and_rule_fields_for_it_are_refused(
    app_client: Any, database_url: str
) -> None:
    client = await started(app_client, database_url)
    client_id = await client_id_from_the_api(client)
    assert (await put(client, client_id, PAGE)).status == 200
    later = {**REQUEST, "candidate": {"name": "Bo", "email": "bo@example.org", "zone": "UTC"}}

    created = await client.post("/api/v1/interviews", data=json.dumps(later), headers=HEADERS)
    assert created.status == 201
    answer = await created.json()
    assert answer["times_from"] == "booking_page"
    read = await (await client.get(f"/api/v1/interviews/{answer['id']}", headers=AUTH)).json()
    assert (read["stage"], read["times_from"], read["page_version"]) == ("awaiting_pick", "booking_page", 1)

    # The page sets the buffer: a buffer sent for it would be ignored, so it is refused by name.
    refused = await client.post(
        "/api/v1/interviews", data=json.dumps({**later, "buffer_minutes": 15}), headers=HEADERS
    )
    assert refused.status == 422
    assert "booking page" in (await refused.json())["problems"]["buffer_minutes"]
    bad = await client.post("/api/v1/interviews", data=json.dumps({**later, "times_from": "ats"}), headers=HEADERS)
    assert bad.status == 422 and "times_from" in (await bad.json())["problems"]

    # By hand on request, with its own rules honoured.
    by_hand = {**later, "times_from": "offered_by_client", "buffer_minutes": 15}
    created = await client.post("/api/v1/interviews", data=json.dumps(by_hand), headers=HEADERS)
    assert created.status == 201 and (await created.json())["times_from"] == "offered_by_client"
    async with sessions_of(client)() as session:
        rules = {i.id: i.rules for i in await session.scalars(select(Interview))}
    assert rules[(await created.json())["id"]]["buffer_minutes"] == 15
