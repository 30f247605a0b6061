"""Building the gateways from settings: which backend, which azure-identity credential, what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from bot.dev.loopback_graph import FakeGraph
from integrations.calendar import LocalCalendar
from integrations.factory import (
    LOOPBACK_TOKEN,
    IntegrationSettingsError,
    LoopbackCredential,
    build_credential,
    build_integrations,
    integration_problems,
)
from integrations.graph import GRAPH_V1, GraphCalendar, GraphMail
from integrations.mail import MailMessage, OutboxFolderMail, SmtpMail
from scheduling.intervals import Interval
from tests.helpers.graph import CLIENT_MAILBOX, SDK_WARNINGS, SENDER
from tests.helpers.views import BOOKED

pytestmark = SDK_WARNINGS


@dataclass(frozen=True)
class FakeSettings:
    """The fields bot.settings.Settings carries for the integrations."""

    outbox_dir: Path
    calendar_backend: str = "local"
    mail_backend: str = "outbox"
    mail_from: str = "askARSAN <askarsan@agency.example>"
    app_tenant_id: str = ""
    graph_credential: str = "client_secret"
    graph_tenant_id: str = "00000000-0000-0000-0000-000000000001"
    graph_client_id: str = "00000000-0000-0000-0000-000000000002"
    graph_client_secret: SecretStr | None = field(default_factory=lambda: SecretStr("s3cret"))
    graph_certificate_path: Path | None = None
    graph_certificate_password: SecretStr | None = None
    graph_managed_identity_client_id: str = ""
    graph_base_url: str = GRAPH_V1
    graph_sending_mailbox: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True


@pytest.fixture
def settings(tmp_path: Path) -> FakeSettings:
    return FakeSettings(outbox_dir=tmp_path / "outbox")


async def test_the_defaults_need_no_account(settings: FakeSettings) -> None:
    built = build_integrations(settings)
    assert isinstance(built.calendar, LocalCalendar)
    assert isinstance(built.mail, OutboxFolderMail)
    assert built.graph is None
    await built.close()


async def test_smtp_is_built_from_its_settings(settings: FakeSettings) -> None:
    built = build_integrations(
        replace(settings, mail_backend="smtp", smtp_host="smtp.agency.example", smtp_port=2525,
                smtp_username="bot", smtp_password=SecretStr("pw"))
    )
    assert isinstance(built.mail, SmtpMail)
    assert (built.mail.host, built.mail.port, built.mail.username, built.mail.starttls) == (
        "smtp.agency.example", 2525, "bot", True
    )
    assert "pw" not in repr(built.mail)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"graph_credential": "client_secret"}, ClientSecretCredential),
        ({"graph_credential": "managed_identity"}, ManagedIdentityCredential),
        ({"graph_credential": "managed_identity", "graph_managed_identity_client_id": "abc"},
         ManagedIdentityCredential),
    ],
    ids=["client secret", "system-assigned managed identity", "user-assigned managed identity"],
)
async def test_the_credential_is_the_one_the_settings_name(
    settings: FakeSettings, overrides: dict[str, object], expected: type
) -> None:
    credential = build_credential(replace(settings, **overrides))
    try:
        assert isinstance(credential, expected)
    finally:
        await credential.close()


async def test_a_certificate_credential_reads_the_certificate_file(settings: FakeSettings, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "askarsan-graph")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "graph.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    credential = build_credential(replace(settings, graph_credential="certificate", graph_certificate_path=pem))
    try:
        assert isinstance(credential, CertificateCredential)
    finally:
        await credential.close()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"calendar_backend": "graph", "graph_tenant_id": ""}, "GRAPH_TENANT_ID is empty"),
        ({"calendar_backend": "graph", "graph_client_id": ""}, "GRAPH_CLIENT_ID is empty"),
        ({"calendar_backend": "graph", "graph_client_secret": None}, "GRAPH_CLIENT_SECRET is empty"),
        ({"calendar_backend": "graph", "graph_credential": "certificate"}, "GRAPH_CERTIFICATE_PATH"),
        ({"calendar_backend": "graph", "graph_base_url": "http://graph.example/v1.0"}, "must be https://"),
        ({"calendar_backend": "graph", "graph_credential": "loopback"}, "only works with a GRAPH_BASE_URL"),
        ({"mail_backend": "graph", "mail_from": "askARSAN"}, "GRAPH_SENDING_MAILBOX is empty"),
        ({"mail_backend": "smtp"}, "SMTP_HOST is empty"),
        ({"mail_backend": "smtp", "smtp_host": "h", "smtp_username": "u"}, "SMTP_PASSWORD is empty"),
        ({"calendar_backend": "exchange"}, "CALENDAR must be local or graph"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_missing_settings_are_named(settings: FakeSettings, overrides: dict[str, object], problem: str) -> None:
    broken = replace(settings, **overrides)
    assert any(problem in p for p in integration_problems(broken))
    with pytest.raises(IntegrationSettingsError, match=problem):
        build_integrations(broken)


def test_the_bot_tenant_is_used_when_no_graph_tenant_is_given(settings: FakeSettings) -> None:
    assert integration_problems(
        replace(settings, calendar_backend="graph", graph_tenant_id="", app_tenant_id="t-1")
    ) == []


async def test_graph_pointed_at_a_loopback_stand_in_serves_calendar_and_mail(settings: FakeSettings) -> None:
    fake = await FakeGraph(token=LOOPBACK_TOKEN).start()
    fake.add_mailbox(CLIENT_MAILBOX)
    fake.add_mailbox(SENDER)
    fake.add_item(CLIENT_MAILBOX, BOOKED.start, BOOKED.end)
    built = build_integrations(
        replace(settings, calendar_backend="graph", mail_backend="graph", graph_credential="loopback",
                graph_base_url=fake.url, graph_sending_mailbox=SENDER)
    )
    try:
        assert isinstance(built.calendar, GraphCalendar) and isinstance(built.mail, GraphMail)
        day = Interval(BOOKED.start - timedelta(hours=9), BOOKED.start + timedelta(hours=15))
        assert await built.calendar.free_busy(CLIENT_MAILBOX, day) == [BOOKED]
        await built.mail.send(MailMessage(to=("kim@example.org",), subject="Hi", text="t", html="<p>t</p>"))
        assert [s["sender"] for s in fake.sent] == [SENDER]
    finally:
        await built.close()
        await fake.close()


async def test_the_loopback_credential_refuses_a_real_graph(settings: FakeSettings) -> None:
    with pytest.raises(ValueError, match="loopback"):
        build_credential(replace(settings, graph_credential="loopback"))
    assert (await LoopbackCredential().get_token("x")).token == LOOPBACK_TOKEN
