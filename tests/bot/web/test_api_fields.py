"""The JSON API reads every field it is sent or refuses the request naming it: the booking rules
(`buffer_minutes`, `min_notice_hours`, `horizon_days`) are stored and held to, and a field
askARSAN does not read, at the top or inside a party, is a 422 naming it, with nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import RUNTIME
from storage.models import Interview
from tests.helpers.http import AUTH as API_AUTH
from tests.helpers.http import assert_request_refused_naming

HEADERS = {**API_AUTH, "Content-Type": "application/json"}
REQUEST: dict[str, Any] = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
}


async def test_the_booking_rules_sent_are_the_rules_stored(app_client: Any, database_url: str) -> None:
    client = await app_client(DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false")
    body = {**REQUEST, "buffer_minutes": 30, "min_notice_hours": 2, "horizon_days": 10}
    response = await client.post("/api/v1/interviews", data=json.dumps(body), headers=HEADERS)
    assert response.status == 201, await response.text()
    async with client.app[RUNTIME].sessions() as session:
        interview = await session.scalar(select(Interview).where(Interview.id == (await response.json())["id"]))
    assert interview is not None
    assert interview.rules == {"buffer_minutes": 30, "min_notice_hours": 2, "horizon_days": 10}


async def test_rules_left_out_take_the_agency_defaults(app_client: Any) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    response = await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=HEADERS)
    assert response.status == 201, await response.text()
    async with client.app[RUNTIME].sessions() as session:
        interview = await session.scalar(select(Interview))
    assert interview is not None
    assert interview.rules == {"buffer_minutes": 0, "min_notice_hours": 24, "horizon_days": 60}


BAD = {
    "a misspelt rule": ({"bufer_minutes": 30}, "bufer_minutes", "unknown field"),
    "a field nobody reads": ({"salary": "90k"}, "salary", "unknown field"),
    "a party's unknown field": ({"client": {**REQUEST["client"], "phone": "+44 20"}}, "client.phone", "unknown field"),
    "a rule that is not a number": ({"horizon_days": "ten"}, "horizon_days", "must be a whole number"),
    "a rule out of range": ({"buffer_minutes": 500}, "buffer_minutes", "between 0 and 120"),
}


@pytest.mark.parametrize(("change", "field", "reason"), BAD.values(), ids=BAD.keys())
async def test_a_field_not_read_or_not_valid_is_a_422_naming_it_and_writes_nothing(
    app_client: Any, change: dict[str, Any], field: str, reason: str
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    await assert_request_refused_naming(client, {**REQUEST, **change}, field, reason)
