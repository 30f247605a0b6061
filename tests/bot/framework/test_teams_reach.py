"""Opening a Teams chat with someone who has not talked to the bot yet, through the real adapter and a
loopback Bot Connector; falling back (None) when Teams cannot reach them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from botbuilder.schema import ConversationReference

from bot.dev.loopback import FakeConnector, Received
from bot.framework.adapter import create_adapter
from bot.framework.proactive import Messenger
from bot.framework.teams_reach import TeamsReach
from bot.settings import Settings
from integrations.directory import TeamsUser
from integrations.errors import TransientError
from services.identity import ensure_teams_reference
from storage.models import Party
from tests.helpers.databases import Sessions

AGENCY = "72f988bf-0000-0000-0000-000000000001"
OTHER = "c0ffee00-0000-0000-0000-000000000002"
RITA = TeamsUser("29:rita-teams-id", AGENCY)


@dataclass
class RefusingConnector(FakeConnector):
    """Answers new conversations with ``refuse`` (e.g. 403: the app is not installed for the user)."""

    refuse: int | None = None

    async def _create(self, request: web.Request) -> web.Response:
        if self.refuse is not None:
            body = await request.json()
            self.received.append(Received("POST", request.path, "", body, request.headers.get("Authorization")))
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "The bot is not installed for the user."}},
                status=self.refuse,
            )
        return await super()._create(request)


@pytest.fixture
async def connector() -> AsyncIterator[RefusingConnector]:
    fake = RefusingConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def reach(make_settings: Callable[..., Settings], connector: RefusingConnector) -> TeamsReach:
    adapter = create_adapter(make_settings())
    return TeamsReach(adapter, app_id="", agency_tenant_id=AGENCY, service_url=connector.url)


def created(connector: FakeConnector) -> list[dict[str, Any]]:
    return [r.body for r in connector.received if r.path == "/v3/conversations"]


async def test_a_colleague_in_the_agency_tenant_gets_a_new_personal_chat(
    reach: TeamsReach, connector: RefusingConnector
) -> None:
    reference = await reach.open(RITA)
    [body] = created(connector)
    assert body["tenantId"] == AGENCY
    assert body["channelData"] == {"tenant": {"id": AGENCY}}
    assert body["members"] == [{"id": "29:rita-teams-id"}]
    assert body["isGroup"] is False
    assert reference is not None
    ref = ConversationReference().deserialize(reference)
    assert ref.conversation.id.startswith("conv-")
    assert ref.conversation.tenant_id == AGENCY
    assert ref.user.id == "29:rita-teams-id"
    assert ref.channel_id == "msteams"
    assert ref.service_url == connector.url


async def test_the_stored_reference_carries_proactive_messages(
    make_settings: Callable[..., Settings], connector: RefusingConnector
) -> None:
    adapter = create_adapter(make_settings())
    reach = TeamsReach(adapter, app_id="", agency_tenant_id=AGENCY, service_url=connector.url)
    reference = await reach.open(RITA)
    assert reference is not None
    await Messenger(adapter, "").send(reference, {"type": "message", "text": "Hello from askARSAN"})
    conversation = ConversationReference().deserialize(reference).conversation.id
    assert connector.texts(conversation) == ["Hello from askARSAN"]


async def test_a_403_from_the_connector_means_teams_cannot_reach_them(
    reach: TeamsReach, connector: RefusingConnector
) -> None:
    connector.refuse = 403
    assert await reach.open(RITA) is None
    assert len(created(connector)) == 1


async def test_someone_in_another_tenant_is_not_even_tried(reach: TeamsReach, connector: RefusingConnector) -> None:
    assert await reach.open(TeamsUser("29:external", OTHER)) is None
    assert created(connector) == []


async def test_teams_throttling_is_retried_later(reach: TeamsReach, connector: RefusingConnector) -> None:
    connector.throttle_next = 1
    connector.retry_after = "7"
    with pytest.raises(TransientError) as caught:
        await reach.open(RITA)
    assert caught.value.after.total_seconds() == 7


async def test_the_reference_is_stored_once_on_the_party(
    reach: TeamsReach, connector: RefusingConnector, sqlite_sessions: Sessions
) -> None:
    now = datetime(2026, 10, 1, tzinfo=UTC)
    async with sqlite_sessions() as session, session.begin():
        session.add_all(
            [
                Party(id="rita", kind="recruiter", display_name="Rita", aad_object_id="aad-rita", created_at=now),
                Party(id="harry", kind="client", display_name="Harry", aad_object_id="aad-harry", created_at=now),
                Party(id="olga", kind="client", display_name="Olga", aad_object_id="aad-olga",
                      tenant_id=OTHER, created_at=now),
                Party(id="tom", kind="client", display_name="Tom", email="tom@client.example", created_at=now),
            ]
        )
    first = await ensure_teams_reference(sqlite_sessions, reach, "rita")
    again = await ensure_teams_reference(sqlite_sessions, reach, "rita")
    assert first is not None and again == first
    assert len(created(connector)) == 1
    async with sqlite_sessions() as session:
        rita = await session.get_one(Party, "rita")
        assert rita.conversation_reference == {"teams": first}
        assert rita.tenant_id == AGENCY
    # A client in another organisation, or known by e-mail alone, is reached by e-mail, not
    # guessed into ours.
    assert await ensure_teams_reference(sqlite_sessions, reach, "olga") is None
    assert await ensure_teams_reference(sqlite_sessions, reach, "tom") is None
    assert len(created(connector)) == 1
    # A client named by an Entra object id (the people picker, the JSON API) is in the agency's
    # directory, a member or a guest: the bot opens the chat in the agency's tenant.
    harry = await ensure_teams_reference(sqlite_sessions, reach, "harry")
    assert harry is not None and len(created(connector)) == 2
    assert created(connector)[-1]["members"] == [{"id": "aad-harry"}]
    assert created(connector)[-1]["tenantId"] == AGENCY
