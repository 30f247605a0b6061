"""Co-recruiters through the JSON API: ``co_recruiters: [{name, email, zone}]`` is stored beside
the owner; a co-recruiter that cannot be read is a 422 naming the field and why, with nothing
written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import RUNTIME
from storage.models import Party
from tests.helpers.http import AUTH as API_AUTH
from tests.helpers.http import assert_request_refused_naming
from tests.helpers.teams import recruiters_of

HEADERS = {**API_AUTH, "Content-Type": "application/json"}
REQUEST: dict[str, Any] = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
}
SAM = {"name": "Sam Second", "email": "sam@agency.example", "zone": "America/New_York"}


async def test_co_recruiters_sent_are_stored_beside_the_owner(app_client: Any, database_url: str) -> None:
    client = await app_client(DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false")
    body = {**REQUEST, "co_recruiters": [SAM]}
    response = await client.post("/api/v1/interviews", data=json.dumps(body), headers=HEADERS)
    assert response.status == 201, await response.text()
    sessions = client.app[RUNTIME].sessions
    owner, [co] = await recruiters_of(sessions, (await response.json())["id"])
    async with sessions() as session:
        parties = {p.id: p for p in await session.scalars(select(Party))}
    assert parties[owner].email == "rita@agency.example"
    assert (parties[co].display_name, parties[co].email, parties[co].timezone, parties[co].kind) == (
        "Sam Second", "sam@agency.example", "America/New_York", "recruiter")


BAD = {
    "not a list": ({"co_recruiters": SAM}, "co_recruiters", "must be a list"),
    "not an object": ({"co_recruiters": ["sam@agency.example"]}, "co_recruiters[0]", "must be an object"),
    "an unknown field": ({"co_recruiters": [{**SAM, "phone": "1"}]}, "co_recruiters[0].phone", "unknown field"),
    "no e-mail": ({"co_recruiters": [{"name": "Sam", "zone": "UTC"}]}, "co_recruiters[0].email", "is required"),
    "not an e-mail": ({"co_recruiters": [{**SAM, "email": "sam at agency"}]}, "co_recruiters[0].email",
                      "not an e-mail address"),
    "no name": ({"co_recruiters": [{**SAM, "name": ""}]}, "co_recruiters[0].name", "name is required"),
    "a zone that does not exist": ({"co_recruiters": [{**SAM, "zone": "Mars/Olympus"}]},
                                   "co_recruiters[0].zone", "Mars/Olympus"),
    "a name that is not a string": ({"co_recruiters": [{**SAM, "name": 7}]}, "co_recruiters[0].name",
                                    "must be a string"),
}


@pytest.mark.parametrize(("change", "field", "reason"), BAD.values(), ids=BAD.keys())
async def test_a_co_recruiter_not_read_is_a_422_naming_it_and_writes_nothing(
    app_client: Any, change: dict[str, Any], field: str, reason: str
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    await assert_request_refused_naming(client, {**REQUEST, **change}, field, reason)
