"""A panel through the JSON API: `panel` lists the interviewers beside the client contact, each
required unless `"required": false`; the interview reads back with every interviewer; a bad or
unknown field inside the panel is a 422 naming it, with nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers.http import AUTH as API_AUTH
from tests.helpers.http import assert_request_refused_naming

HEADERS = {**API_AUTH, "Content-Type": "application/json"}
REQUEST: dict[str, Any] = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
    "panel": [
        {"name": "Sam Lee", "email": "sam@client.example", "zone": "America/New_York"},
        {"name": "Priya Rao", "email": "priya@client.example", "zone": "Asia/Kolkata", "required": False},
    ],
}


async def test_a_panel_is_stored_and_read_back_with_every_interviewer(app_client: Any, database_url: str) -> None:
    client = await app_client(DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false")
    response = await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=HEADERS)
    assert response.status == 201, await response.text()
    created = await response.json()
    read = await client.get(f"/api/v1/interviews/{created['id']}", headers=API_AUTH)
    assert read.status == 200
    interviewers = (await read.json())["interviewers"]
    assert [(i["name"], i["zone"], i["required"]) for i in interviewers] == [
        ("Harry", "Europe/London", True),
        ("Sam Lee", "America/New_York", True),
        ("Priya Rao", "Asia/Kolkata", False),
    ]
    assert interviewers[0]["id"] == created["client_id"]


BAD = {
    "not a list": ({"panel": {"name": "Sam"}}, "panel", "must be a list"),
    "an unknown field": (
        {"panel": [{**REQUEST["panel"][0], "phone": "+1 212"}]}, "panel[0].phone", "unknown field"),
    "required not a boolean": (
        {"panel": [{**REQUEST["panel"][0], "required": "no"}]}, "panel[0].required", "true or false"),
    "a bad address": (
        {"panel": [{**REQUEST["panel"][0], "email": "sam"}]}, "panel[0].email", "not valid"),
    "the client twice": (
        {"panel": [{**REQUEST["panel"][0], "email": "HM@client.example"}]}, "panel[0].email",
        "already on the panel"),
}


@pytest.mark.parametrize(("change", "field", "reason"), BAD.values(), ids=BAD.keys())
async def test_a_bad_panel_is_a_422_naming_the_field_and_writes_nothing(
    app_client: Any, change: dict[str, Any], field: str, reason: str
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    await assert_request_refused_naming(client, {**REQUEST, **change}, field, reason)
