"""People in Teams as the reach tests drive them: the agency's tenant and another one, a personal
chat's activities as Teams posts them (``conversationType: personal``, the tenant in
``channelData``), an installation, and an ATS's request naming the client."""

from __future__ import annotations

import uuid
from typing import Any

from tests.helpers.activities import activity

AGENCY = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER = "c0ffee00-1111-4222-8333-444455556666"

HARRY_AAD = "0b2a7c1e-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
RITA_AAD = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
GUEST_AAD = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
MALLORY_AAD = "deadbeef-0000-4000-8000-00000000beef"
SAM_AAD = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"


def personal(
    service_url: str, conversation: str, user: str, aad: str, tenant: str = AGENCY, /, **fields: Any
) -> dict[str, Any]:
    """A message in `user`'s personal chat with the bot (no text unless given)."""
    return activity(service_url, conversation, user, **{
        "id": uuid.uuid4().hex,
        "text": None,
        "from": {"id": user, "name": user, "aadObjectId": aad},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
        **fields,
    })


def installs(service_url: str, conversation: str, user: str, aad: str, tenant: str = AGENCY) -> dict[str, Any]:
    """Teams' conversationUpdate when `user` installs the app for themselves."""
    return personal(
        service_url, conversation, user, aad, tenant,
        type="conversationUpdate", membersAdded=[{"id": user, "aadObjectId": aad}, {"id": "28:bot"}],
    )


def api_request(client: dict[str, Any] | None = None) -> dict[str, Any]:
    """An ATS asks for an interview of Asha with Harry (by e-mail unless `client` says more)."""
    return {
        "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
        "client": client or {"name": "Harry", "email": "harry@client.example", "zone": "Europe/London"},
        "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
        "role_title": "Data Engineer",
        "times_from": "offered_by_client",
    }
