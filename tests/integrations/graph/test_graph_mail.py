"""GraphMail: sendMail as the agency's sending mailbox, with the .ics attached, on the loopback Graph."""

from __future__ import annotations

import base64

import pytest
from icalendar import Calendar

from bot.dev.loopback_graph import FakeGraph
from cards.mails import booking_confirmed_mail
from integrations.errors import PermanentError, TransientError
from integrations.graph import GraphConnection, GraphMail
from integrations.ics import invitation_ics
from integrations.mail import MailMessage
from scheduling.interview import Role
from tests.helpers.graph import SDK_WARNINGS, SENDER, StaticTokenCredential
from tests.helpers.views import NOW, make_view

pytestmark = SDK_WARNINGS


def confirmation() -> tuple[bytes, MailMessage]:
    view = make_view()
    ics = invitation_ics(
        view, method="REQUEST", sequence=0, organizer_email=SENDER,
        attendees=[("Kim Candidate", "kim@example.org")], now=NOW,
    )
    return ics, booking_confirmed_mail(view, Role.CANDIDATE, "Kim Candidate <kim@example.org>", ics, key="k-1")


async def test_the_confirmation_is_sent_from_the_sending_mailbox_with_the_ics_attached(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    ics, message = confirmation()
    await GraphMail(graph, sender=f"askARSAN <{SENDER}>").send(message)
    [call] = fake_graph.calls("POST", "/sendMail")
    assert call.path == f"/v1.0/users/{SENDER}/sendMail"
    assert set(call.body) == {"Message", "SaveToSentItems"}
    [sent] = fake_graph.sent
    msg = sent["message"]
    assert msg["subject"].startswith("Interview confirmed: Backend Engineer")
    assert msg["toRecipients"] == [{"emailAddress": {"address": "kim@example.org", "name": "Kim Candidate"}}]
    assert msg["body"]["contentType"] == "html" and "Backend Engineer" in msg["body"]["content"]
    [attachment] = msg["attachments"]
    assert attachment["@odata.type"] == "#microsoft.graph.fileAttachment"
    assert attachment["name"] == "invitation.ics"
    assert attachment["contentType"] == "text/calendar; method=REQUEST; charset=UTF-8"
    assert base64.b64decode(attachment["contentBytes"]) == ics
    assert Calendar.from_ical(base64.b64decode(attachment["contentBytes"]))["METHOD"] == "REQUEST"


async def test_a_throttled_send_is_retried_after_retry_after(fake_graph: FakeGraph, graph: GraphConnection) -> None:
    fake_graph.fail(429, retry_after="1", path_contains="/sendMail")
    _, message = confirmation()
    await GraphMail(graph, sender=SENDER).send(message)
    calls = fake_graph.calls("POST", "/sendMail")
    assert len(calls) == 2 and calls[1].headers["Retry-Attempt"] == "1"
    assert len(fake_graph.sent) == 1


async def test_a_503_that_outlasts_the_retries_is_transient(fake_graph: FakeGraph, graph: GraphConnection) -> None:
    fake_graph.fail(503, retry_after="1", times=10, path_contains="/sendMail")
    _, message = confirmation()
    with pytest.raises(TransientError) as caught:
        await GraphMail(graph, sender=SENDER).send(message)
    assert caught.value.after is not None and caught.value.after.total_seconds() == 1
    assert fake_graph.sent == []


async def test_an_unknown_sending_mailbox_is_permanent(fake_graph: FakeGraph, graph: GraphConnection) -> None:
    _, message = confirmation()
    with pytest.raises(PermanentError, match="404 ErrorInvalidUser"):
        await GraphMail(graph, sender="nobody@agency.example").send(message)


async def test_closing_the_connection_closes_the_credential(fake_graph: FakeGraph) -> None:
    credential = StaticTokenCredential()
    connection = GraphConnection(credential, base_url=fake_graph.url)
    await connection.close()
    assert credential.closed
