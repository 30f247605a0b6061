"""The database's limits are the edge's limits, the same on both databases: a value PostgreSQL
would refuse (a 10 KB name in a varchar(200), a watermark past its 32-bit column) is answered 4xx
with the field named, never a 500, and nothing is written; a line break in a name, which would
break every mail header for that interview, is refused the same way."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.helpers.directline import start_session
from tests.helpers.http import AUTH as API_AUTH
from tests.helpers.http import call, counts

AUTH = {**API_AUTH, "Content-Type": "application/json"}
REQUEST: dict[str, Any] = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London",
               "organisation": "Client Ltd"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
    "location": "Teams",
}


def with_field(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(REQUEST)
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[key]
    node[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("candidate.name", "A" * 10_000, "candidate_name"),
        ("client.name", "H" * 201, "client_name"),
        ("recruiter.name", "R" * 201, "recruiter"),
        ("client.organisation", "O" * 201, "client_organisation"),
        ("candidate.email", "a" * 320 + "@example.org", "candidate_email"),
        ("role_title", "T" * 201, "role_title"),
        ("location", "L" * 501, "location"),
        ("candidate.name", "Asha\r\nBcc: everyone@example.org", "candidate_name"),
        ("client.name", "Harry\nHarrison", "client_name"),
        ("role_title", "Data\x1b[31mEngineer", "role_title"),
        ("client.organisation", "Client\u2028Ltd", "client_organisation"),
        ("candidate.email", "asha@example.org\r\nBcc: x@example.org", "candidate_email"),
    ],
    ids=["10 KB candidate name", "long client name", "long recruiter name", "long organisation",
         "long e-mail", "long role title", "long location", "CR/LF in a name", "LF in a name",
         "escape code in a title", "line separator in an organisation", "CR/LF in an address"],
)
async def test_a_value_the_database_cannot_hold_is_a_422_naming_the_field(
    app_client: Any, database_url: str, path: str, value: Any, problem: str
) -> None:
    client = await app_client(DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false")
    before = await counts(client)
    response = await client.post("/api/v1/interviews", data=json.dumps(with_field(path, value)), headers=AUTH)
    answer = await response.json()
    assert response.status == 422, answer
    assert problem in answer["problems"], answer
    assert await counts(client) == before


async def test_the_longest_values_allowed_are_stored_whole(app_client: Any, database_url: str) -> None:
    client = await app_client(DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false")
    body = with_field("candidate.name", "A" * 200)
    body["role_title"] = "T" * 200
    response = await client.post("/api/v1/interviews", data=json.dumps(body), headers=AUTH)
    assert response.status == 201, await response.text()
    created = await response.json()
    shown = await client.get(f"/api/v1/interviews/{created['id']}", headers=AUTH)
    view = await shown.json()
    assert view["candidate"]["name"] == "A" * 200 and view["role_title"] == "T" * 200


@pytest.mark.parametrize("watermark", ["2147483648", "99999999999", "٣"], ids=["2^31", "11 digits", "Arabic digit"])
async def test_a_watermark_past_the_column_is_a_400_not_a_500(
    dl_client: Any, database_url: str, watermark: str
) -> None:
    client = await dl_client(DATABASE_URL=database_url)
    _, session = await start_session(client)
    conversation = session["conversationId"]
    path = f"/v3/directline/conversations/{conversation}/activities?watermark={watermark}"
    answer = await call(client, "GET", path, session["token"])
    assert answer.status == 400, answer
    assert "watermark" in json.dumps(answer.body)
    largest = await call(
        client, "GET", f"/v3/directline/conversations/{conversation}/activities?watermark=2147483647",
        session["token"],
    )
    assert largest.status == 200 and largest.body["activities"] == []
