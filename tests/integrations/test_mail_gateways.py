"""One contract for every MailGateway (the outbox folder, the in-memory fake, SMTP against a real
local server), then what each one does on its own: files, TLS, failures."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from icalendar import Calendar

from integrations.ics import invitation_ics
from integrations.mail import (
    Attachment,
    MailGateway,
    MailMessage,
    MailSendFailed,
    MemoryMail,
    OutboxFolderMail,
    OutboxNameRefused,
    SmtpMail,
    calendar_attachment,
    list_outbox,
    message_id,
    read_outbox,
)
from tests.helpers.clock import Clock
from tests.helpers.http import free_port
from tests.helpers.smtp import CapturingHandler, accept_login, self_signed, smtp_server
from tests.helpers.views import NOW, make_view

SENDER = "askARSAN <askarsan@agency.example>"


@dataclass
class Harness:
    gateway: MailGateway
    received: Callable[[], list[EmailMessage]]
    dedupes_by_key: bool


def _parse(data: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(data)


@pytest.fixture(params=["outbox", "memory", "smtp"])
def mail(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "outbox":
        folder = tmp_path / "outbox"
        outbox = OutboxFolderMail(folder, sender=SENDER)
        yield Harness(
            outbox,
            lambda: [read_outbox(folder, e.name) for e in reversed(list_outbox(folder))],
            dedupes_by_key=True,
        )
    elif request.param == "memory":
        from integrations.mail import to_email_message

        memory = MemoryMail(SENDER)
        yield Harness(
            memory,
            lambda: [_parse(to_email_message(m, SENDER).as_bytes()) for m in memory.sent],
            dedupes_by_key=True,
        )
    else:
        handler = CapturingHandler()
        with smtp_server(handler) as port:
            # SMTP cannot take back an accepted message: de-duplication is the job runner's.
            yield Harness(
                SmtpMail("127.0.0.1", port, sender=SENDER, starttls=False, timeout=5),
                lambda: [r.message() for r in handler.received],
                dedupes_by_key=False,
            )


def _ics(method: str = "REQUEST") -> bytes:
    return invitation_ics(
        make_view(),
        method=method,
        sequence=0,
        organizer_email="askarsan@agency.example",
        attendees=[("Kim Candidate", "kim@mail.example")],
        now=NOW,
    )


def _message(key: str | None = "iv-42:3:confirm_booking:candidate:now", **kw: object) -> MailMessage:
    values: dict[str, object] = {
        "to": ("kim@mail.example",),
        "subject": "Interview confirmed — Backend Engineer, Jürgen's team",
        "text": "Hello Kim,\nYour interview is confirmed: Tue 20 Oct 2026, 14:30–15:30 IST (Asia/Kolkata).\n",
        "html": "<p>Hello Kim,</p><p>Your interview is <strong>confirmed</strong>.</p>",
        "attachments": (calendar_attachment(_ics()),),
        "idempotency_key": key,
    }
    values.update(kw)
    return MailMessage(**values)


# The contract ----------------------------------------------------------------------------------


async def test_a_sent_message_arrives_with_its_text_and_html_parts(mail: Harness) -> None:
    await mail.gateway.send(_message())
    (received,) = mail.received()
    assert received["To"] == "kim@mail.example"
    assert received["From"].addresses[0].addr_spec == "askarsan@agency.example"
    assert received["Subject"] == "Interview confirmed — Backend Engineer, Jürgen's team"
    assert received["Date"].datetime is not None
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "14:30–15:30 IST (Asia/Kolkata)" in plain.get_content()
    assert "<strong>confirmed</strong>" in html.get_content()


async def test_the_invitation_survives_and_parses_back(mail: Harness) -> None:
    ics = _ics()
    await mail.gateway.send(_message())
    (received,) = mail.received()
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "invitation.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    data = attachment.get_payload(decode=True)
    assert isinstance(data, bytes) and data == ics
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert event["UID"] == "iv-42@askarsan"
    # The inline copy inside multipart/alternative is what gives Outlook its Accept/Decline buttons.
    alternative = next(p for p in received.walk() if p.get_content_type() == "multipart/alternative")
    inline = [p for p in alternative.iter_parts() if p.get_content_type() == "text/calendar"]
    assert len(inline) == 1 and inline[0].get_param("method") == "REQUEST"
    assert inline[0].get_payload(decode=True) == ics


async def test_a_binary_attachment_survives_byte_for_byte(mail: Harness) -> None:
    blob = bytes(range(256)) * 4
    await mail.gateway.send(_message(attachments=(Attachment("notes.pdf", "application/pdf", blob),)))
    (received,) = mail.received()
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "notes.pdf"
    assert attachment.get_payload(decode=True) == blob


async def test_the_same_idempotency_key_twice(mail: Harness) -> None:
    await mail.gateway.send(_message())
    await mail.gateway.send(_message())
    received = mail.received()
    expected_id = message_id("iv-42:3:confirm_booking:candidate:now", SENDER)
    if mail.dedupes_by_key:
        assert len(received) == 1
    else:
        # The second one went out too; it is recognisably the same message.
        assert len(received) == 2
    assert {m["Message-ID"] for m in received} == {expected_id}


async def test_different_keys_are_different_messages(mail: Harness) -> None:
    await mail.gateway.send(_message("iv-42:3:confirm_booking:candidate:now"))
    await mail.gateway.send(_message("iv-42:3:confirm_booking:client:now", to=("carl@acme.example",)))
    received = mail.received()
    assert len(received) == 2
    assert len({m["Message-ID"] for m in received}) == 2
    assert sorted(m["To"] for m in received) == ["carl@acme.example", "kim@mail.example"]


async def test_without_a_key_every_send_is_a_new_message(mail: Harness) -> None:
    await mail.gateway.send(_message(None))
    await mail.gateway.send(_message(None))
    received = mail.received()
    assert len(received) == 2
    assert received[0]["Message-ID"] != received[1]["Message-ID"]


# The outbox folder -----------------------------------------------------------------------------


async def test_the_outbox_folder_is_created_and_files_are_named_by_time_and_key(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "outbox"
    clock = Clock(datetime(2026, 10, 20, 9, 5, 7, 123456, tzinfo=UTC))
    await OutboxFolderMail(folder, sender=SENDER, clock=clock).send(_message())
    (path,) = folder.iterdir()
    assert re.fullmatch(r"20261020T090507\.123456Z-[0-9a-f]{16}\.eml", path.name)
    assert read_outbox(folder, path.name)["Date"].datetime == clock.now.replace(microsecond=0)


async def test_a_retry_later_still_writes_one_file(tmp_path: Path) -> None:
    clock = Clock(NOW)
    outbox = OutboxFolderMail(tmp_path, sender=SENDER, clock=clock)
    await outbox.send(_message())
    clock.now += timedelta(minutes=5)  # the job runner retried after a crash
    await outbox.send(_message())
    assert len(list_outbox(tmp_path)) == 1


async def test_concurrent_sends_of_one_key_write_one_file(tmp_path: Path) -> None:
    outbox = OutboxFolderMail(tmp_path, sender=SENDER)
    await asyncio.gather(*(outbox.send(_message()) for _ in range(8)))
    assert len(list_outbox(tmp_path)) == 1
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".eml")] == []  # no temp files left


async def test_the_outbox_lists_newest_first_with_headers(tmp_path: Path) -> None:
    clock = Clock(NOW)
    outbox = OutboxFolderMail(tmp_path, sender=SENDER, clock=clock)
    await outbox.send(_message("a", subject="First"))
    clock.now += timedelta(seconds=1)
    await outbox.send(_message("b", subject="Second", to=("carl@acme.example", "rita@agency.example")))
    first, second = reversed(list_outbox(tmp_path))
    assert (second.subject, first.subject) == ("Second", "First")
    assert second.to == ("carl@acme.example", "rita@agency.example")
    assert second.date == NOW + timedelta(seconds=1)
    assert second.size == (tmp_path / second.name).stat().st_size > 0
    assert list_outbox(tmp_path / "missing") == []


@pytest.mark.parametrize(
    "name",
    [
        "../secret.eml",
        "..",
        "../../etc/passwd",
        "/etc/passwd",
        "sub/x.eml",
        "..\\x.eml",
        ".hidden.eml",
        "x.txt",
        "",
        "x.eml/../../y.eml",
    ],
)
def test_reading_the_outbox_refuses_anything_but_a_plain_name(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    (tmp_path / "secret.eml").write_bytes(b"Subject: not yours\r\n\r\nsecret\r\n")
    with pytest.raises(OutboxNameRefused):
        read_outbox(folder, name)


def test_reading_the_outbox_refuses_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    (tmp_path / "secret.eml").write_bytes(b"Subject: not yours\r\n\r\nsecret\r\n")
    (folder / "20260101T000000.000000Z-0000000000000000.eml").symlink_to(tmp_path / "secret.eml")
    with pytest.raises(OutboxNameRefused):
        read_outbox(folder, "20260101T000000.000000Z-0000000000000000.eml")


def test_reading_a_missing_message_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_outbox(tmp_path, "20260101T000000.000000Z-0000000000000000.eml")


# SMTP ------------------------------------------------------------------------------------------


async def test_smtp_upgrades_with_starttls_and_logs_in(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    handler = CapturingHandler()
    with smtp_server(
        handler,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=accept_login("bot", "s3cret"),
    ) as port:
        gateway = SmtpMail(
            "127.0.0.1",
            port,
            sender=SENDER,
            username="bot",
            password="s3cret",
            tls_context=client_tls,
            timeout=5,
        )
        await gateway.send(_message())
    (received,) = handler.received
    assert handler.tls_seen == [True]
    assert received.authenticated_as == "bot"
    assert received.mail_from == "askarsan@agency.example"
    assert received.rcpt_tos == ["kim@mail.example"]


async def test_a_wrong_smtp_password_is_a_permanent_failure(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    handler = CapturingHandler()
    with smtp_server(
        handler,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=accept_login("bot", "s3cret"),
    ) as port:
        gateway = SmtpMail(
            "127.0.0.1",
            port,
            sender=SENDER,
            username="bot",
            password="wrong",
            tls_context=client_tls,
            timeout=5,
        )
        with pytest.raises(MailSendFailed) as failure:
            await gateway.send(_message())
    assert failure.value.permanent
    assert "wrong" not in str(failure.value)
    assert handler.received == []


async def test_smtp_never_falls_back_to_plain_text_when_starttls_is_asked(tmp_path: Path) -> None:
    handler = CapturingHandler()
    with smtp_server(handler) as port:  # no TLS offered
        with pytest.raises(MailSendFailed) as failure:
            await SmtpMail("127.0.0.1", port, sender=SENDER, timeout=5).send(_message())
    assert failure.value.permanent
    assert handler.received == []


async def test_smtp_does_not_trust_an_unknown_certificate(tmp_path: Path) -> None:
    server_tls, _ = self_signed(tmp_path)
    handler = CapturingHandler()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port:
        with pytest.raises(MailSendFailed):
            await SmtpMail("127.0.0.1", port, sender=SENDER, timeout=5).send(_message())
    assert handler.received == []


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user", True), ("451 4.3.0 Try again later", False)],
    ids=["550-permanent", "451-transient"],
)
async def test_smtp_refusals_say_whether_a_retry_can_help(reply: str, permanent: bool) -> None:
    handler = CapturingHandler(refuse_rcpt=reply)
    with smtp_server(handler) as port:
        with pytest.raises(MailSendFailed) as failure:
            await SmtpMail("127.0.0.1", port, sender=SENDER, starttls=False, timeout=5).send(_message())
    assert failure.value.permanent is permanent


async def test_an_unreachable_smtp_server_is_a_transient_failure() -> None:
    gateway = SmtpMail("127.0.0.1", free_port(), sender=SENDER, starttls=False, timeout=2)
    with pytest.raises(MailSendFailed) as failure:
        await gateway.send(_message())
    assert not failure.value.permanent


def test_the_smtp_password_stays_out_of_the_repr() -> None:
    gateway = SmtpMail("smtp.example", 587, sender=SENDER, username="bot", password="hunter2-secret")
    assert "hunter2-secret" not in repr(gateway)


# The fake --------------------------------------------------------------------------------------


async def test_the_fake_fails_when_told_to_then_recovers() -> None:
    fake = MemoryMail()
    fake.fail_next.append(MailSendFailed("SMTP unavailable", permanent=False))
    with pytest.raises(MailSendFailed):
        await fake.send(_message())
    await fake.send(_message())
    assert len(fake.sent) == 1
    assert fake.to("kim@mail.example") == fake.sent


async def test_the_fake_refuses_what_the_wire_would_refuse() -> None:
    with pytest.raises(ValueError, match="line breaks"):
        _message(subject="Hi\r\nBcc: everyone@example.com")
    with pytest.raises(TypeError):
        _message(to="kim@mail.example")
