"""Outbound e-mail transport: the message model, the `MailGateway` port and its implementations.

What a mail says (its wording and templates) is presentation and lives in ``cards/mails.py``.

Implementations of :class:`MailGateway`:

- :class:`OutboxFolderMail` — the laptop default: each message becomes an ``.eml`` file in a folder
  that the tracker lists (:func:`list_outbox`, :func:`read_outbox`).
- :class:`SmtpMail` — production over SMTP (stdlib ``smtplib`` run in a worker thread).
- :class:`MemoryMail` — an in-memory fake for tests.

Idempotency: a message may carry an ``idempotency_key`` (the job runner's key for the effect that
sends it). The outbox and the fake write a key once, whatever the retries. SMTP cannot take a
message back once the server accepted it, so there de-duplication is the caller's job (the job runner
marks the job done after a successful send); the key still gives the message a stable
``Message-ID`` so that a re-send is recognisably the same message to the recipient's mail system.

Personal data (addresses, names, subjects) never goes to the logs: only message ids and file names.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import ContentTypeHeader
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Literal, Protocol, cast

from icalendar import Calendar

__all__ = [
    "Attachment",
    "MailGateway",
    "MailMessage",
    "MailSendFailed",
    "MemoryMail",
    "OutboxEntry",
    "OutboxFolderMail",
    "OutboxNameRefused",
    "SmtpMail",
    "calendar_attachment",
    "forget_outbox",
    "list_outbox",
    "message_id",
    "read_outbox",
    "to_email_message",
]

log = logging.getLogger(__name__)


# The message ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST; charset=UTF-8"
    data: bytes

    def parsed_type(self) -> tuple[str, str, Mapping[str, str]]:
        """(maintype, subtype, params) of ``content_type``."""
        header = cast(ContentTypeHeader, policy.default.header_factory("Content-Type", self.content_type))
        return header.maintype, header.subtype, dict(header.params)


@dataclass(frozen=True)
class MailMessage:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.to, str):
            raise TypeError("MailMessage.to is a tuple of addresses, not one string.")
        if not self.to:
            raise ValueError("A message needs at least one recipient.")
        if "\r" in self.subject or "\n" in self.subject:
            raise ValueError("A subject cannot contain line breaks.")


class MailSendFailed(Exception):
    """Sending failed. ``permanent`` says whether retrying the same message can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def _sender_domain(sender: str) -> str:
    _, address = parseaddr(sender)
    domain = address.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "askarsan.local"


def message_id(idempotency_key: str, sender: str) -> str:
    """The ``Message-ID`` of the message sent under ``idempotency_key``: the same on every re-send."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.askarsan@{_sender_domain(sender)}>"


def to_email_message(msg: MailMessage, sender: str, *, date: datetime | None = None) -> EmailMessage:
    """The MIME message for ``msg``.

    Layout (the one Google Calendar and Outlook send, which every major client understands)::

        multipart/mixed
          multipart/alternative
            text/plain
            text/html
            text/calendar; method=...      <- only for calendar attachments: the invitation buttons
          attachment(s), e.g. invitation.ics as text/calendar; method=...; charset=UTF-8

    Outlook shows Accept/Decline only for a ``text/calendar`` part carrying ``method`` (RFC 6047
    §2.4); Gmail and Apple Mail also recognise the attachment. Calendar data is base64-encoded so the
    CRLF line endings and 75-octet folding RFC 5545 requires reach the client untouched.
    """
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(msg.to)
    email["Subject"] = msg.subject
    email["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    email["Message-ID"] = (
        message_id(msg.idempotency_key, sender)
        if msg.idempotency_key is not None
        else f"<{uuid.uuid4().hex}.askarsan@{_sender_domain(sender)}>"
    )
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to the bot
    email.set_content(msg.text)
    email.add_alternative(msg.html, subtype="html")
    for attachment in msg.attachments:
        maintype, subtype, params = attachment.parsed_type()
        if (maintype, subtype) == ("text", "calendar") and "method" in params:
            email.add_alternative(
                attachment.data,
                maintype="text",
                subtype="calendar",
                params={"method": params["method"], "charset": params.get("charset", "UTF-8")},
            )
    for attachment in msg.attachments:
        maintype, subtype, params = attachment.parsed_type()
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(params),
        )
    return email


def calendar_attachment(ics: bytes, *, expect: Literal["REQUEST", "CANCEL"] | None = None) -> Attachment:
    """An ``.ics`` attachment typed with the iTIP method read from the calendar itself."""
    method = str(Calendar.from_ical(ics).get("METHOD", "")).upper()
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError("An invitation attachment needs METHOD:REQUEST or METHOD:CANCEL.")
    if expect is not None and method != expect:
        raise ValueError(f"Expected a METHOD:{expect} calendar, got METHOD:{method}.")
    filename = "cancellation.ics" if method == "CANCEL" else "invitation.ics"
    return Attachment(filename, f"text/calendar; method={method}; charset=UTF-8", ics)


# The port and its implementations ---------------------------------------------------------------


class MailGateway(Protocol):
    async def send(self, msg: MailMessage) -> None: ...


class MemoryMail:
    """In-memory fake. Messages are serialised as the real gateways would (so a message they would
    refuse is refused here too) and kept in ``sent``; a repeated idempotency key is dropped.
    Put exceptions in ``fail_next`` to make the next sends fail, one each."""

    def __init__(self, sender: str = "askARSAN <askarsan@localhost>") -> None:
        self.sender = sender
        self.sent: list[MailMessage] = []
        self.fail_next: list[Exception] = []
        self._keys: set[str] = set()

    async def send(self, msg: MailMessage) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        to_email_message(msg, self.sender).as_bytes()
        if msg.idempotency_key is not None:
            if msg.idempotency_key in self._keys:
                return
            self._keys.add(msg.idempotency_key)
        self.sent.append(msg)

    def to(self, address: str) -> list[MailMessage]:
        """The messages sent to ``address``."""
        return [m for m in self.sent if address in m.to]


# One lock for every outbox in this process: the check-then-write of a key must not interleave.
# Across processes the job runner's row lock already serialises sends of one key.
_OUTBOX_LOCK = threading.Lock()
_OUTBOX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class OutboxFolderMail:
    """Writes each message as ``<UTC timestamp>-<hash>.eml`` into ``folder`` (created if missing).

    The hash is of the idempotency key (or a random id without one); a key already in the folder is
    not written again. Files appear atomically (written to a temporary file, then renamed).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        sender: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.sender = sender
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))

    async def send(self, msg: MailMessage) -> None:
        now = self._clock()
        data = to_email_message(msg, self.sender, date=now).as_bytes(policy=policy.SMTP)
        tag = _short_hash(msg.idempotency_key) if msg.idempotency_key is not None else uuid.uuid4().hex[:16]
        name = f"{now.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}-{tag}.eml"
        written = await asyncio.to_thread(self._write, name, tag, data)
        log.info("mail %s to outbox file %s", "written" if written else "already in outbox", written or tag)

    def _write(self, name: str, tag: str, data: bytes) -> str | None:
        with _OUTBOX_LOCK:
            self.folder.mkdir(parents=True, exist_ok=True)
            if any(self.folder.glob(f"*-{tag}.eml")):
                return None
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.folder / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return name


@dataclass(frozen=True)
class OutboxEntry:
    name: str
    subject: str
    to: tuple[str, ...]
    date: datetime | None
    size: int


class OutboxNameRefused(ValueError):
    """A name that is not a plain ``.eml`` file name in the outbox folder."""


def list_outbox(folder: str | os.PathLike[str]) -> list[OutboxEntry]:
    """The messages in the outbox, newest first. Blocking file I/O: call it via ``asyncio.to_thread``."""
    root = Path(folder)
    if not root.is_dir():
        return []
    entries: list[OutboxEntry] = []
    parser = BytesHeaderParser(policy=policy.default)
    for path in root.iterdir():
        if not _OUTBOX_NAME.fullmatch(path.name) or not path.is_file():
            continue
        with path.open("rb") as handle:
            headers = parser.parse(handle)
        date_header = headers.get("Date")
        to_header = headers.get("To")
        entries.append(
            OutboxEntry(
                name=path.name,
                subject=str(headers.get("Subject", "")),
                to=tuple(a.addr_spec for a in to_header.addresses) if to_header is not None else (),
                date=getattr(date_header, "datetime", None),
                size=path.stat().st_size,
            )
        )
    # The name starts with the UTC timestamp, so it orders the entries even when a Date is missing.
    entries.sort(key=lambda e: e.name, reverse=True)
    return entries


def forget_outbox(
    folder: str | os.PathLike[str], *, addresses: Sequence[str], names: Sequence[str]
) -> int:
    """Delete the outbox messages about a person: sent to one of `addresses`, or naming them
    (one of `addresses` or `names` in the subject or the text, e.g. the client's "offer times for
    an interview with Asha Rao"). For erasure on request (services/privacy.py). Returns how many
    were deleted. Blocking file I/O: call it via ``asyncio.to_thread``."""
    needles = [n.casefold() for n in (*addresses, *names) if n and n.strip()]
    if not needles:
        return 0
    wanted = {a.casefold() for a in addresses if a}
    deleted = 0
    for entry in list_outbox(folder):
        message = read_outbox(folder, entry.name)
        recipients = {a.casefold() for a in entry.to}
        for header in ("Cc", "Bcc"):
            value = message.get(header)
            if value is not None:
                recipients |= {a.addr_spec.casefold() for a in value.addresses}
        text = entry.subject
        for part in message.walk():
            if part.get_content_maintype() == "text" and not part.is_attachment():
                text += "\n" + str(part.get_content())
        text = text.casefold()
        if recipients & wanted or any(needle in text for needle in needles):
            (Path(folder) / entry.name).unlink(missing_ok=True)
            deleted += 1
    return deleted


def read_outbox(folder: str | os.PathLike[str], name: str) -> EmailMessage:
    """One message from the outbox. Only plain file names of that folder are accepted (no paths).

    Raises :class:`OutboxNameRefused` for anything else and FileNotFoundError for a missing one.
    """
    root = Path(folder).resolve()
    if not isinstance(name, str) or not _OUTBOX_NAME.fullmatch(name):
        raise OutboxNameRefused("Not an outbox message name.")
    path = (root / name).resolve()
    if path.parent != root:  # e.g. a symlink pointing out of the folder
        raise OutboxNameRefused("Not an outbox message name.")
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


class SmtpMail:
    """SMTP with the stdlib ``smtplib``, run in a worker thread so the event loop never blocks.

    With ``starttls`` (the default) the connection is upgraded before anything is sent and a server
    that does not offer STARTTLS is an error, never a fallback to plain text. ``tls_context`` lets a
    deployment trust a private CA; the default verifies against the system's CAs.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 30,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout = timeout
        self._tls_context = tls_context

    def __repr__(self) -> str:  # the password stays out of reprs and logs
        return f"SmtpMail({self.host!r}, {self.port}, starttls={self.starttls})"

    async def send(self, msg: MailMessage) -> None:
        email = to_email_message(msg, self.sender)
        await asyncio.to_thread(self._send, email)
        log.info("mail %s sent over SMTP", email["Message-ID"])

    def _send(self, email: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=self._tls_context or ssl.create_default_context())
                    smtp.ehlo()
                if self.username is not None:
                    smtp.login(self.username, self._password or "")
                refused = smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise MailSendFailed(
                f"SMTP refused every recipient (codes {sorted(set(codes))})",
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except smtplib.SMTPResponseException as error:
            raise MailSendFailed(
                f"SMTP error {error.smtp_code}", permanent=500 <= error.smtp_code < 600
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise MailSendFailed(f"SMTP server does not support: {error}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailSendFailed(f"SMTP unavailable: {type(error).__name__}", permanent=False) from None
        if refused:
            # Delivered to some, refused for others: a retry would send twice to the accepted ones.
            raise MailSendFailed(f"SMTP refused {len(refused)} of the recipients", permanent=True)
