"""The candidate's language through the real app over HTTP: an ATS asks for the interview over the
JSON API with the candidate's language, or the candidate's chat sends its locale; the client offers
a time in English; the candidate's e-mails, cards, answers and calendar entry are in their language,
with the dates written the way it writes them (CLDR), and the client's stay English."""

from __future__ import annotations

import json
from typing import Any

import icalendar
from sqlalchemy import func, select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from storage.models import Interview, Party
from tests.helpers.activities import sent_cards, user_activity
from tests.helpers.cards import picks, submits
from tests.helpers.clock import Clock
from tests.helpers.http import AUTH, post
from tests.helpers.interviews import NOW
from tests.helpers.jobs import run_jobs
from tests.helpers.journeys import invitation_user

HEADERS = {**AUTH, "Content-Type": "application/json"}


def request_body(**candidate: Any) -> dict[str, Any]:
    return {
        "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
        "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London",
                   "organisation": "Client Ltd"},
        "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Europe/Madrid", **candidate},
        "role_title": "Data Engineer",
    }


async def asked_over_the_api(client: Any, body: dict[str, Any]) -> tuple[str, str]:
    """The interview requested through the API: (client token, candidate token)."""
    response = await client.post("/api/v1/interviews", data=json.dumps(body), headers=HEADERS)
    assert response.status == 201, await response.text()
    links = (await response.json())["links"]
    return links["client"].split("t=")[1], links["candidate"].split("t=")[1]


async def client_offers_wednesday_10(client: Any, connector: FakeConnector, token: str) -> None:
    """Harry opens his chat and offers Wed 25 Nov 2026 10:00 London (11:00 in Madrid)."""
    user = await invitation_user(client, token)
    await post(client, user_activity(connector.url, "client-chat", user, type="conversationUpdate",
                                     channelId="directline", membersAdded=[{"id": user}]))
    [offer] = [d for d in submits(sent_cards(connector, "client-chat")[-1]) if d["action"] == "offer_slots"]
    await post(client, user_activity(connector.url, "client-chat", user, channelId="directline", value={
        **offer, "slot_1_date": "2026-11-25", "slot_1_time": "10:00", "zone": "Europe/London",
    }))
    assert "I've sent 1 slot" in connector.texts("client-chat")[-1]


def texts_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_a_candidate_asked_for_in_spanish_books_and_reads_everything_in_spanish(
    app_client: Any, connector: FakeConnector
) -> None:
    mail = MemoryMail()
    client = await app_client(mail=mail, clock=Clock(NOW), ASKARSAN_RUN_JOBS="false")
    runner = client.app[RUNTIME].runner
    client_token, candidate_token = await asked_over_the_api(client, request_body(language="es"))
    await run_jobs(runner)
    await client_offers_wednesday_10(client, connector, client_token)
    await run_jobs(runner)

    # The invitation e-mail and the card with the times: Spanish, the day as Spanish writes it.
    [invitation] = [m for m in mail.sent if m.to == ("asha@example.org",)]
    assert invitation.subject == "Elige un horario para tu entrevista: Data Engineer en Client Ltd"
    assert invitation.text.startswith("Hola, Asha:\n")
    assert 'lang="es"' in invitation.html
    user = await invitation_user(client, candidate_token)
    await post(client, user_activity(connector.url, "cand-chat", user, type="conversationUpdate",
                                     channelId="directline", membersAdded=[{"id": user}]))
    [pick_card] = sent_cards(connector, "cand-chat")
    assert pick_card["body"][0]["text"] == "Elige un horario para tu entrevista"
    assert "mié., 25 nov. 2026, 11:00–12:00 CET (Europe/Madrid)" in texts_of(pick_card)
    assert connector.texts("cand-chat") == ["¡Hola, Asha! Elige el horario que mejor te venga para **Data Engineer**."]

    [offered] = picks(pick_card)
    await post(client, user_activity(connector.url, "cand-chat", user, channelId="directline", value=offered))
    assert connector.texts("cand-chat")[-1] == (
        "Reservado: mié., 25 nov. 2026, 11:00–12:00 CET (Europe/Madrid). "
        "Tu confirmación y la invitación del calendario están en camino."
    )
    await run_jobs(runner)

    # The confirmation card, the confirmation e-mail and its calendar entry.
    confirmation = sent_cards(connector, "cand-chat")[-1]
    assert confirmation["body"][0]["text"] == "Tu entrevista está reservada"
    assert {"Cambiar fecha", "Cancelar"} <= {a["title"] for a in confirmation["actions"]}
    [confirmed] = [m for m in mail.sent if m.to == ("asha@example.org",) and m.attachments]
    assert confirmed.subject == "Entrevista confirmada: Data Engineer, mié., 25 nov. 2026, 11:00 CET (Europe/Madrid)"
    assert "Cuándo: mié., 25 nov. 2026, 11:00–12:00 CET (Europe/Madrid)" in confirmed.text
    ics = next(a for a in confirmed.attachments if a.filename.endswith(".ics"))
    event = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Entrevista: Data Engineer — Asha con Client Ltd"

    # What she types is answered in Spanish; the client's own card and e-mail stay English.
    await post(client, user_activity(connector.url, "cand-chat", user, channelId="directline",
                                     text="¿cuándo es mi entrevista?"))
    assert connector.texts("cand-chat")[-1] == (
        "Tu entrevista de **Data Engineer** está reservada para el "
        "mié., 25 nov. 2026, 11:00–12:00 CET (Europe/Madrid)."
    )
    assert sent_cards(connector, "client-chat")[-1]["body"][0]["text"] == "Your interview is booked"
    [client_mail] = [m for m in mail.sent if m.to == ("hm@client.example",) and m.attachments]
    assert client_mail.subject.startswith("Interview confirmed: Data Engineer, Wed 25 Nov 2026, 10:00 GMT")
    client_event = icalendar.Calendar.from_ical(client_mail.attachments[0].data).walk("VEVENT")[0]
    assert str(client_event["SUMMARY"]) == "Interview: Data Engineer — Asha with Client Ltd"


async def test_a_candidate_whose_chat_speaks_french_is_answered_and_booked_in_french(
    app_client: Any, connector: FakeConnector
) -> None:
    mail = MemoryMail()
    client = await app_client(mail=mail, clock=Clock(NOW), ASKARSAN_RUN_JOBS="false")
    runner = client.app[RUNTIME].runner
    client_token, candidate_token = await asked_over_the_api(client, request_body())
    await run_jobs(runner)
    await client_offers_wednesday_10(client, connector, client_token)
    await run_jobs(runner)
    user = await invitation_user(client, candidate_token)
    await post(client, user_activity(connector.url, "cand-chat", user, type="conversationUpdate",
                                     channelId="directline", membersAdded=[{"id": user}]))
    # Nothing says her language yet: the first card is English.
    assert sent_cards(connector, "cand-chat")[0]["body"][0]["text"] == "Pick a time for your interview"

    # The first time she writes, Web Chat sends her browser's locale: from then on, French.
    await post(client, user_activity(connector.url, "cand-chat", user, channelId="directline",
                                     locale="fr-FR", text="quand a lieu mon entretien ?"))
    assert "Votre entretien **Data Engineer** n’est pas encore réservé" in connector.texts("cand-chat")[-1]
    await post(client, user_activity(connector.url, "cand-chat", user, channelId="directline",
                                     locale="fr-FR", text="aide"))
    assert any(t.startswith("Je suis askARSAN") for t in connector.texts("cand-chat"))
    assert connector.texts("cand-chat")[-1] == (
        "Bonjour Asha ! Choisissez le créneau qui vous convient le mieux pour **Data Engineer**."
    )
    again = sent_cards(connector, "cand-chat")[-1]
    assert again["body"][0]["text"] == "Choisissez un créneau pour votre entretien"
    assert "mer. 25 nov. 2026, 11:00–12:00 CET (Europe/Madrid)" in texts_of(again)
    async with client.app[RUNTIME].sessions() as session:
        assert await session.scalar(select(Party.language).where(Party.email == "asha@example.org")) == "fr"

    [offered] = picks(again)
    await post(client, user_activity(connector.url, "cand-chat", user, channelId="directline",
                                     locale="en-US", value=offered))
    await run_jobs(runner)
    # A later locale does not replace the language she was first seen with.
    assert sent_cards(connector, "cand-chat")[-1]["body"][0]["text"] == "Votre entretien est réservé"
    [confirmed] = [m for m in mail.sent if m.to == ("asha@example.org",) and m.attachments]
    assert confirmed.subject == "Entretien confirmé : Data Engineer, mer. 25 nov. 2026, 11:00 CET (Europe/Madrid)"
    assert confirmed.text.startswith("Bonjour Asha,\n")


async def test_a_language_the_assistant_does_not_speak_is_a_422_naming_the_field(app_client: Any) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    response = await client.post("/api/v1/interviews", data=json.dumps(request_body(language="it")),
                                 headers=HEADERS)
    assert response.status == 422
    body = await response.json()
    assert "candidate.language" in json.dumps(body)
    assert "es" in body["problems"]["candidate_language"]
    async with client.app[RUNTIME].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Interview)) == 0
        assert await session.scalar(select(func.count()).select_from(Party)) == 0


async def test_the_chat_page_speaks_the_browsers_language(app_client: Any) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    page = await client.get("/chat?t=abc", headers={"Accept-Language": "it-IT, de-DE;q=0.8, en;q=0.5"})
    html = await page.text()
    assert page.headers["Content-Language"] == "de"
    assert '<html lang="de">' in html
    assert "Assistent für Terminvereinbarungen" in html
    english = await (await client.get("/chat?t=abc")).text()
    assert "Interview scheduling assistant" in english and '<html lang="en">' in english


async def test_opening_the_chat_in_a_portuguese_browser_makes_its_first_card_portuguese(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(mail=MemoryMail(), clock=Clock(NOW), ASKARSAN_RUN_JOBS="false")
    runner = client.app[RUNTIME].runner
    client_token, candidate_token = await asked_over_the_api(client, request_body())
    await run_jobs(runner)
    await client_offers_wednesday_10(client, connector, client_token)
    await run_jobs(runner)

    # The chat page exchanges the link for a session, with the browser's language (chat.js).
    unknown = await client.post("/chat/session", json={"invitation": candidate_token, "lang": "pt"})
    assert unknown.status == 400 and "unknown field(s): lang" in (await unknown.json())["error"]
    opened = await client.post("/chat/session", json={"invitation": candidate_token, "locale": "pt-BR"})
    assert opened.status == 200, await opened.text()
    again = await client.post("/chat/session", json={"invitation": candidate_token, "locale": "de-DE"})
    assert again.status == 200
    async with client.app[RUNTIME].sessions() as session:
        # Learnt once: a later browser's language does not replace it.
        assert await session.scalar(select(Party.language).where(Party.email == "asha@example.org")) == "pt"

    user = await invitation_user(client, candidate_token)
    await post(client, user_activity(connector.url, "cand-chat", user, type="conversationUpdate",
                                     channelId="directline", membersAdded=[{"id": user}]))
    # The first card, before she types anything, is already in Portuguese.
    assert sent_cards(connector, "cand-chat")[0]["body"][0]["text"] != "Pick a time for your interview"
    assert "qua., 25 de nov. de 2026" in texts_of(sent_cards(connector, "cand-chat")[0])
