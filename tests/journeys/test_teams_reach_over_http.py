"""Clients and recruiters reached in Teams, through the real app: activities over HTTP to
/api/messages, Teams' member profiles and the proactive cards at the loopback connector, mails in
an in-memory gateway. A client who installed the app is asked in their Teams chat (and can answer
there); one who did not gets the e-mail link; a recruiter's e-mail comes from their profile."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from services import PanelMember, PartyInput
from storage.models import Interview, Party
from tests.helpers.activities import sent_cards
from tests.helpers.cards import inputs_of, submits
from tests.helpers.clock import Clock
from tests.helpers.http import AUTH, post
from tests.helpers.interviews import NOW, a_request, booked
from tests.helpers.jobs import run_jobs
from tests.helpers.journeys import next_wednesday_10
from tests.helpers.teams_people import (
    AGENCY,
    GUEST_AAD,
    HARRY_AAD,
    MALLORY_AAD,
    OTHER,
    RITA_AAD,
    SAM_AAD,
    api_request,
    installs,
    personal,
)


async def teams_app(app_client: Any, connector: FakeConnector) -> tuple[Any, MemoryMail]:
    mail = MemoryMail()
    client = await app_client(
        mail=mail, ASKARSAN_RUN_JOBS="false", MicrosoftAppTenantId=AGENCY, TEAMS_SERVICE_URL=connector.url,
    )
    return client, mail


async def send(client: Any, body: dict[str, Any]) -> None:
    status, answer = await post(client, body)
    assert status in (200, 201), answer


async def ats_request(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await post(client, body, "/api/v1/interviews", **AUTH)
    assert status == 201, answer
    assert isinstance(answer, dict)
    return answer


def offer_submit(cards: list[dict[str, Any]]) -> dict[str, Any]:
    [found] = [d for card in cards for d in submits(card) if d.get("action") == "offer_slots"]
    return found


def mails_to(mail: MemoryMail, address: str) -> list[Any]:
    return [m for m in mail.sent if address in m.to]


async def test_a_client_who_installed_the_app_is_asked_in_teams_and_answers_there(
    app_client: Any, connector: FakeConnector
) -> None:
    client, mail = await teams_app(app_client, connector)
    connector.add_member(
        "29:harry", name="Harry Manager", aad_object_id=HARRY_AAD, tenant_id=AGENCY,
        email="Harry.Manager@Client.example", user_principal_name="harry@client.example",
    )
    await send(client, installs(connector.url, "a:harry", "29:harry", HARRY_AAD))
    # (The SDK's TeamsActivityHandler reads an added member's profile too.)
    assert set(connector.member_lookups) == {("a:harry", "29:harry")}
    lookups = len(connector.member_lookups)

    # Later an ATS asks for an interview with him, by his e-mail address in another case.
    await ats_request(client, api_request(
        {"name": "Harry", "email": "HARRY.MANAGER@client.example", "zone": "Europe/London"}
    ))
    await run_jobs(client.app[RUNTIME].runner)

    # Asked in his Teams chat, not by e-mail.
    ask = offer_submit(sent_cards(connector, "a:harry"))
    assert mails_to(mail, "harry.manager@client.example") == []

    # The card works for him there: he is the client by his Entra object id.
    day, start = next_wednesday_10()
    await send(client, personal(connector.url, "a:harry", "29:harry", HARRY_AAD, value={
        **ask, "slot_1_date": day, "slot_1_time": start, "slot_2_date": day, "slot_2_time": "15:00",
        "zone": "Europe/London",
    }))
    assert "I've sent 2 slots" in connector.texts("a:harry")[-1]
    async with client.app[RUNTIME].sessions() as session:
        harry = await session.scalar(select(Party).where(Party.kind == "client"))
        assert harry is not None
        assert (harry.aad_object_id, harry.teams_user_id, harry.tenant_id) == (HARRY_AAD, "29:harry", AGENCY)
    # The profile was read when he installed, not again on his answer.
    assert len(connector.member_lookups) == lookups


async def test_a_client_who_did_not_install_the_app_gets_the_email_link(
    app_client: Any, connector: FakeConnector
) -> None:
    client, mail = await teams_app(app_client, connector)
    await ats_request(client, api_request())
    # The recruiter the ATS named installs the app; the client does not.
    connector.add_member(
        "29:rita", name="Rita Recruiter", aad_object_id=RITA_AAD, tenant_id=AGENCY,
        email="rita@agency.example", user_principal_name="rita@agency.example",
    )
    await send(client, installs(connector.url, "a:rita", "29:rita", RITA_AAD))
    await run_jobs(client.app[RUNTIME].runner)

    [ask] = mails_to(mail, "harry@client.example")
    assert "/chat?t=" in ask.text
    assert [c for c in sent_cards(connector, "a:rita") if any(
        d.get("action") == "offer_slots" for d in submits(c))] == []
    async with client.app[RUNTIME].sessions() as session:
        harry = await session.scalar(select(Party).where(Party.kind == "client"))
        rita = await session.scalar(select(Party).where(Party.kind == "recruiter"))
    assert harry is not None and (harry.aad_object_id, harry.conversation_reference) == (None, None)
    # She is recognised at once, by the address the ATS gave: her Teams identity and chat are hers.
    assert rita is not None and (rita.aad_object_id, rita.teams_user_id) == (RITA_AAD, "29:rita")
    assert (rita.conversation_reference or {})["teams"]["conversation"]["id"] == "a:rita"


async def test_the_recruiters_email_comes_from_their_teams_profile(
    app_client: Any, connector: FakeConnector
) -> None:
    client, _ = await teams_app(app_client, connector)
    connector.add_member(
        "29:rita", name="Rita Recruiter", aad_object_id=RITA_AAD, tenant_id=AGENCY,
        email="Rita.Recruiter@agency.example", user_principal_name="rita@agency.onmicrosoft.com",
    )
    await send(client, personal(connector.url, "a:rita", "29:rita", RITA_AAD, text="schedule"))
    [form] = sent_cards(connector, "a:rita")
    await send(client, personal(connector.url, "a:rita", "29:rita", RITA_AAD, value={
        "action": "request_interview", "client_name": "Harry Manager",
        "client_email": "harry@client.example", "client_organisation": "Client Ltd",
        "client_zone": "Europe/London", "candidate_name": "Asha Candidate",
        "candidate_email": "asha@example.org", "candidate_zone": "Asia/Kolkata",
        "role_title": "Data Engineer", "duration_minutes": "60", "format": "teams",
    }))
    assert "Interview requested" in connector.texts("a:rita")[-1]
    async with client.app[RUNTIME].sessions() as session:
        interview = await session.scalar(select(Interview))
        assert interview is not None
        rita = await session.get_one(Party, interview.recruiter_id)
    assert rita.email == "rita.recruiter@agency.example"
    assert rita.aad_object_id == RITA_AAD
    # In Teams the form lets her pick the client from the directory.
    picker = inputs_of(form)["client_aad_object_id"]
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}


async def test_a_client_picked_in_the_teams_form_gets_a_new_teams_chat(
    app_client: Any, connector: FakeConnector
) -> None:
    client, mail = await teams_app(app_client, connector)
    await send(client, personal(connector.url, "a:rita", "29:rita", RITA_AAD, text="schedule"))
    await send(client, personal(connector.url, "a:rita", "29:rita", RITA_AAD, value={
        "action": "request_interview", "client_aad_object_id": HARRY_AAD.upper(),
        "client_name": "Harry Manager", "client_email": "harry@client.example",
        "client_organisation": "Client Ltd", "client_zone": "Europe/London",
        "candidate_name": "Asha Candidate", "candidate_email": "asha@example.org",
        "candidate_zone": "Asia/Kolkata", "role_title": "Data Engineer", "duration_minutes": "60",
        "format": "teams",
    }))
    await run_jobs(client.app[RUNTIME].runner)

    # The bot opened a chat with him in the agency's tenant, by his object id, and asked there.
    [created] = [r for r in connector.received if r.path == "/v3/conversations"
                 and r.body["members"] == [{"id": HARRY_AAD}]]
    assert created.body["tenantId"] == AGENCY
    offer_submit(sent_cards(connector, created.conversation_id))
    assert mails_to(mail, "harry@client.example") == []


async def test_a_guest_known_by_their_ext_upn_alone_is_asked_in_teams(
    app_client: Any, connector: FakeConnector
) -> None:
    client, mail = await teams_app(app_client, connector)
    # A guest of the agency's tenant: no e-mail in the profile, their home address inside the UPN.
    connector.add_member(
        "29:harry-guest", name="Harry Manager", aad_object_id=GUEST_AAD, tenant_id=AGENCY,
        user_principal_name="harry_client.example#EXT#@agency.onmicrosoft.com", user_role="guest",
    )
    await send(client, installs(connector.url, "a:guest", "29:harry-guest", GUEST_AAD))
    await ats_request(client, api_request())
    await run_jobs(client.app[RUNTIME].runner)

    offer_submit(sent_cards(connector, "a:guest"))
    assert mails_to(mail, "harry@client.example") == []


async def test_someone_in_another_tenant_claiming_the_clients_address_is_not_taken_for_them(
    app_client: Any, connector: FakeConnector
) -> None:
    client, mail = await teams_app(app_client, connector)
    # Harry, a guest of the agency's tenant, installs the app; then someone in a tenant the agency
    # neither is nor serves (anyone can make one) whose profile claims his address.
    connector.add_member(
        "29:harry", name="Harry Manager", aad_object_id=GUEST_AAD, tenant_id=AGENCY,
        email="harry@client.example", user_role="guest",
    )
    connector.add_member(
        "29:mallory", name="Mallory", aad_object_id=MALLORY_AAD, tenant_id=OTHER,
        email="harry@client.example", user_principal_name="harry@client.example",
    )
    await send(client, installs(connector.url, "a:harry", "29:harry", GUEST_AAD))
    await send(client, installs(connector.url, "a:mallory", "29:mallory", MALLORY_AAD, OTHER))
    assert {uid for _, uid in connector.member_lookups} == {"29:harry", "29:mallory"}
    await ats_request(client, api_request())
    await run_jobs(client.app[RUNTIME].runner)

    offer_submit(sent_cards(connector, "a:harry"))
    assert [c for c in sent_cards(connector, "a:mallory") if any(
        d.get("action") == "offer_slots" for d in submits(c))] == []
    assert mails_to(mail, "harry@client.example") == []
    async with client.app[RUNTIME].sessions() as session:
        harry = await session.scalar(select(Party).where(Party.kind == "client"))
    assert harry is not None and harry.aad_object_id == GUEST_AAD


async def test_the_api_takes_a_clients_entra_object_id_and_refuses_one_that_is_not(
    app_client: Any, connector: FakeConnector
) -> None:
    client, _ = await teams_app(app_client, connector)
    for bad in ("harry@client.example", "0b2a7c1e3d4f4a5b8c6d7e8f9a0b1c2d", 42, "{" + HARRY_AAD + "}"):
        body = api_request({"name": "Harry", "email": "harry@client.example", "zone": "UTC",
                            "aad_object_id": bad})
        status, answer = await post(client, body, "/api/v1/interviews", **AUTH)
        assert status == 422, answer
        assert "GUID" in answer["problems"]["client_aad_object_id"]
        assert "'client.aad_object_id'" in answer["problems"]["client_aad_object_id"]
    async with client.app[RUNTIME].sessions() as session:
        assert (await session.scalars(select(Interview))).all() == []

    made = await ats_request(client, api_request(
        {"name": "Harry", "email": "harry@client.example", "zone": "UTC", "aad_object_id": HARRY_AAD.upper()}
    ))
    async with client.app[RUNTIME].sessions() as session:
        harry = await session.get_one(Party, made["client_id"])
    assert harry.aad_object_id == HARRY_AAD


async def test_a_panel_interviewer_who_installed_the_app_gets_the_confirmation_in_teams(
    app_client: Any, connector: FakeConnector
) -> None:
    mail = MemoryMail()
    client = await app_client(
        mail=mail, clock=Clock(NOW), ASKARSAN_RUN_JOBS="false", MicrosoftAppTenantId=AGENCY,
        TEAMS_SERVICE_URL=connector.url,
    )
    connector.add_member(
        "29:sam", name="Sam Lee", aad_object_id=SAM_AAD, tenant_id=AGENCY,
        email="sam@client.example", user_principal_name="sam@client.example",
    )
    await send(client, installs(connector.url, "a:sam", "29:sam", SAM_AAD))
    sessions = client.app[RUNTIME].sessions
    request = replace(a_request(client_email="harry@client.example"), panel=(
        PanelMember(PartyInput("Sam Lee", "sam@client.example", "America/New_York")),
    ))
    await booked(sessions, request)
    await run_jobs(client.app[RUNTIME].runner)

    # Sam, the second interviewer, reads the confirmation in his Teams chat, as his own.
    cards = [json.dumps(c) for c in sent_cards(connector, "a:sam")]
    [confirmation] = [c for c in cards if "Your interview is booked" in c]
    assert "05:00\\u201306:00 EST (America/New_York)" in confirmation
    # Harry, who never installed it, still gets his by e-mail with the invitation.
    assert [m for m in mails_to(mail, "harry@client.example") if "confirmed" in m.subject.lower()]
