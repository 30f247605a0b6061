"""Teams member profiles kept and matched to parties (services.identity), on SQLite and
PostgreSQL: by Entra object id anywhere, by address only from a directory the agency vouches for,
never onto a party with another person's object id; a guest's ``#EXT#`` name gives their home
address; erasure forgets them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from integrations.directory import TeamsMember, TeamsUser, guest_home_address
from services.identity import (
    Sender,
    aad_object_id_problem,
    ensure_teams_reference,
    knows_teams_member,
    learn_teams_member,
    teams_email,
)
from services.privacy import erase_candidate
from storage.models import Party, TeamsProfile
from tests.helpers.databases import Sessions
from tests.helpers.teams_people import AGENCY, HARRY_AAD, MALLORY_AAD, OTHER, RITA_AAD

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHAT = {"channelId": "msteams", "conversation": {"id": "a:chat", "conversationType": "personal"}}


class Directory:
    """The directory port with the agency's tenant vouched for; opens no conversation."""

    agency_tenant_id = AGENCY

    def __init__(self) -> None:
        self.opened: list[TeamsUser] = []

    def vouches_for(self, tenant_id: str | None) -> bool:
        return tenant_id == AGENCY

    async def open(self, user: TeamsUser) -> dict[str, Any] | None:
        self.opened.append(user)
        return None


async def parties(sessions: Sessions, *rows: Party) -> None:
    async with sessions() as session, session.begin():
        session.add_all(rows)


async def party(sessions: Sessions, party_id: str) -> Party:
    async with sessions() as session:
        return await session.get_one(Party, party_id)


def member(user_id: str, aad: str | None, tenant: str = AGENCY, **fields: Any) -> TeamsMember:
    return TeamsMember(user_id=user_id, tenant_id=tenant, aad_object_id=aad, **fields)


async def test_an_address_never_moves_a_party_off_its_own_object_id(sessions: Sessions) -> None:
    await parties(sessions, Party(id="harry", kind="client", display_name="Harry", email="harry@client.example",
                                  aad_object_id=HARRY_AAD, created_at=NOW))
    someone = member("29:other", MALLORY_AAD, email="harry@client.example")
    assert await learn_teams_member(sessions, Directory(), someone, CHAT, NOW) == []
    harry = await party(sessions, "harry")
    assert (harry.aad_object_id, harry.teams_user_id, harry.conversation_reference) == (HARRY_AAD, None, None)
    # Nor later, when a notification looks for his Teams chat.
    assert await ensure_teams_reference(sessions, Directory(), "harry") is None


async def test_a_candidate_is_not_matched_by_address(sessions: Sessions) -> None:
    await parties(sessions, Party(id="asha", kind="candidate", display_name="Asha", email="asha@example.org",
                                  created_at=NOW))
    assert await learn_teams_member(
        sessions, Directory(), member("29:asha", HARRY_AAD, email="asha@example.org"), CHAT, NOW
    ) == []
    assert await ensure_teams_reference(sessions, Directory(), "asha") is None


async def test_a_recruiter_without_an_address_gets_the_one_of_their_profile(sessions: Sessions) -> None:
    await parties(sessions, Party(id="rita", kind="recruiter", display_name="Rita", aad_object_id=RITA_AAD,
                                  created_at=NOW))
    sender = Sender("msteams", "29:rita", RITA_AAD, "Rita", AGENCY)
    assert not await knows_teams_member(sessions, sender)
    profile = member("29:rita", RITA_AAD, email="Rita@Agency.example", user_principal_name="rita@agency.example")
    assert await learn_teams_member(sessions, Directory(), profile, CHAT, NOW) == ["rita"]
    assert await knows_teams_member(sessions, sender)
    rita = await party(sessions, "rita")
    assert (rita.email, rita.teams_user_id, rita.tenant_id) == ("rita@agency.example", "29:rita", AGENCY)
    assert await teams_email(sessions, Directory(), sender) == "rita@agency.example"


async def test_an_address_from_a_directory_not_vouched_for_is_not_believed(sessions: Sessions) -> None:
    sender = Sender("msteams", "29:mallory", MALLORY_AAD, "Mallory", OTHER)
    profile = member("29:mallory", MALLORY_AAD, OTHER, email="rita@agency.example")
    await learn_teams_member(sessions, Directory(), profile, CHAT, NOW)
    assert await teams_email(sessions, Directory(), sender) is None
    async with sessions() as session:
        kept = await session.get_one(TeamsProfile, "29:mallory")
    assert (kept.tenant_id, kept.email) == (OTHER, "rita@agency.example")


async def test_an_address_another_recruiter_holds_is_not_given_to_a_new_one(sessions: Sessions) -> None:
    await parties(sessions, Party(id="rita", kind="recruiter", display_name="Rita", email="rita@agency.example",
                                  aad_object_id=RITA_AAD, created_at=NOW))
    sender = Sender("msteams", "29:second", HARRY_AAD, "Second account", AGENCY)
    await learn_teams_member(sessions, Directory(), member("29:second", HARRY_AAD, email="rita@agency.example"),
                             CHAT, NOW)
    assert await teams_email(sessions, Directory(), sender) is None


async def test_the_newest_profile_of_an_address_wins_and_is_attached_once(sessions: Sessions) -> None:
    await parties(sessions, Party(id="harry", kind="client", display_name="Harry", email="harry@client.example",
                                  created_at=NOW))
    old_chat = {**CHAT, "conversation": {"id": "a:old"}}
    await learn_teams_member(sessions, Directory(), member("29:harry", HARRY_AAD, email="harry@client.example"),
                             old_chat, NOW)
    # Learnt at once: the party existed.
    assert (await party(sessions, "harry")).conversation_reference == {"teams": old_chat}
    # He installs again (a new chat): the newer reference replaces the older.
    await learn_teams_member(sessions, Directory(), member("29:harry", HARRY_AAD, email="harry@client.example"),
                             CHAT, NOW)
    assert (await party(sessions, "harry")).conversation_reference == {"teams": CHAT}
    async with sessions() as session:
        assert len((await session.scalars(select(TeamsProfile))).all()) == 1


@pytest.mark.parametrize(
    ("upn", "home"),
    [
        ("harry_client.example#EXT#@agency.onmicrosoft.com", "harry@client.example"),
        ("first_last_sub.client.co.uk#EXT#@agency.onmicrosoft.com", "first_last@sub.client.co.uk"),
        ("HARRY_Client.Example#ext#@agency.onmicrosoft.com", "harry@client.example"),
        ("harry@client.example", None),
        ("harry_localhost#EXT#@agency.onmicrosoft.com", None),
        (None, None),
    ],
    ids=["guest", "underscores-in-the-name", "any-case", "a-member", "no-domain", "none"],
)
def test_a_guests_home_address_is_read_from_their_ext_name(upn: str | None, home: str | None) -> None:
    assert guest_home_address(upn) == home


@pytest.mark.parametrize(
    ("value", "ok"),
    [(HARRY_AAD, True), (HARRY_AAD.upper(), True), (f" {HARRY_AAD} ", True), (None, True),
     ("aad-harry", False), (HARRY_AAD.replace("-", ""), False), (f"{{{HARRY_AAD}}}", False), (7, False)],
    ids=["guid", "upper-case", "spaces-around", "none", "not-a-guid", "no-hyphens", "braces", "a-number"],
)
def test_an_entra_object_id_is_a_guid(value: object, ok: bool) -> None:
    assert (aad_object_id_problem(value, "it") is None) is ok


async def test_erasing_a_candidate_forgets_their_teams_profile(sessions: Sessions) -> None:
    await parties(sessions, Party(id="asha", kind="candidate", display_name="Asha", email="asha@example.org",
                                  created_at=NOW))
    await learn_teams_member(sessions, Directory(), member("29:asha", HARRY_AAD, email="asha@example.org"),
                             CHAT, NOW)
    await erase_candidate(sessions, email="asha@example.org", now=NOW)
    async with sessions() as session:
        assert (await session.scalars(select(TeamsProfile))).all() == []
