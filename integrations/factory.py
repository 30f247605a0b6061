"""Build the calendar and mail gateways from settings: ``CALENDAR=local|graph``, ``MAIL=outbox|smtp|graph``.

:func:`build_integrations` returns an :class:`Integrations` the app owns (close it on shutdown:
it closes the Graph HTTP client and credential). :func:`integration_problems` lists what is missing
for the chosen backends, in the words of the environment variables, for ``Settings.check()``.

Graph credentials (``GRAPH_CREDENTIAL``), all azure-identity async credentials, app-only:

- ``client_secret``: ``ClientSecretCredential(GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET)``;
- ``certificate``: ``CertificateCredential(GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CERTIFICATE_PATH)``
  (PEM or PKCS12, with ``GRAPH_CERTIFICATE_PASSWORD`` if it has one);
- ``managed_identity``: ``ManagedIdentityCredential`` (``GRAPH_MANAGED_IDENTITY_CLIENT_ID`` for a
  user-assigned identity, empty for the system-assigned one);
- ``loopback``: a fixed token for a Graph stand-in on this machine (the demo and tests). Refused
  unless ``GRAPH_BASE_URL`` is a loopback address, so that token can never leave the machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parseaddr
from ipaddress import ip_address
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential
from pydantic import SecretStr

from integrations.calendar import CalendarGateway, LocalCalendar
from integrations.mail import MailGateway, OutboxFolderMail, SmtpMail

if TYPE_CHECKING:
    from integrations.graph import GraphConnection

# msgraph-sdk and azure-identity are imported only when Graph is configured: with the local
# calendar and the outbox or SMTP they cost start-up about 0.3 s for nothing (bench startup).

__all__ = [
    "LOOPBACK_TOKEN",
    "IntegrationSettings",
    "IntegrationSettingsError",
    "Integrations",
    "LoopbackCredential",
    "build_credential",
    "build_integrations",
    "integration_problems",
]

LOOPBACK_TOKEN = "askarsan-loopback-graph-token"  # noqa: S105 - only ever sent to a loopback host


class IntegrationSettings(Protocol):
    """The settings the factory reads (``bot.settings.Settings`` has them)."""

    @property
    def calendar_backend(self) -> str: ...  # "local" | "graph"
    @property
    def mail_backend(self) -> str: ...  # "outbox" | "smtp" | "graph"
    @property
    def mail_from(self) -> str: ...
    @property
    def outbox_dir(self) -> Path: ...
    @property
    def app_tenant_id(self) -> str: ...
    @property
    def graph_credential(self) -> str: ...  # client_secret | certificate | managed_identity | loopback
    @property
    def graph_tenant_id(self) -> str: ...
    @property
    def graph_client_id(self) -> str: ...
    @property
    def graph_client_secret(self) -> SecretStr | None: ...
    @property
    def graph_certificate_path(self) -> Path | None: ...
    @property
    def graph_certificate_password(self) -> SecretStr | None: ...
    @property
    def graph_managed_identity_client_id(self) -> str: ...
    @property
    def graph_base_url(self) -> str: ...
    @property
    def graph_sending_mailbox(self) -> str: ...
    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_username(self) -> str: ...
    @property
    def smtp_password(self) -> SecretStr | None: ...
    @property
    def smtp_starttls(self) -> bool: ...


class LoopbackCredential(AsyncTokenCredential):
    """A fixed token, for a Graph stand-in on this machine only (see ``GRAPH_CREDENTIAL=loopback``)."""

    def __init__(self, token: str = LOOPBACK_TOKEN) -> None:
        self._token = token

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aexit__(self, *args: object) -> None:
        return None


def _is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _tenant(settings: IntegrationSettings) -> str:
    return settings.graph_tenant_id or settings.app_tenant_id


def _sending_mailbox(settings: IntegrationSettings) -> str:
    return settings.graph_sending_mailbox or parseaddr(settings.mail_from)[1]


def _uses_graph(settings: IntegrationSettings) -> bool:
    return settings.calendar_backend == "graph" or settings.mail_backend == "graph"


def integration_problems(settings: IntegrationSettings) -> list[str]:
    """What is missing or wrong for the chosen backends; empty when they can be built."""
    problems: list[str] = []
    if settings.calendar_backend not in ("local", "graph"):
        problems.append(f"CALENDAR must be local or graph, not {settings.calendar_backend!r}")
    if settings.mail_backend not in ("outbox", "smtp", "graph"):
        problems.append(f"MAIL must be outbox, smtp or graph, not {settings.mail_backend!r}")
    if settings.mail_backend == "smtp" and not settings.smtp_host:
        problems.append("SMTP_HOST is empty: MAIL=smtp needs the SMTP server's host name")
    if settings.mail_backend == "smtp" and settings.smtp_username and not _secret(settings.smtp_password):
        problems.append("SMTP_PASSWORD is empty: SMTP_USERNAME is set, so a password is needed")
    if not _uses_graph(settings):
        return problems
    parts = urlsplit(settings.graph_base_url)
    loopback = _is_loopback_url(settings.graph_base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(f"GRAPH_BASE_URL is not a URL: {settings.graph_base_url!r}")
    elif parts.scheme != "https" and not loopback:
        problems.append("GRAPH_BASE_URL must be https:// (plain http is only for a stand-in on this machine)")
    kind = settings.graph_credential
    if kind in ("client_secret", "certificate"):
        if not _tenant(settings):
            problems.append(
                "GRAPH_TENANT_ID is empty (and so is MicrosoftAppTenantId): set the Entra tenant id"
            )
        if not settings.graph_client_id:
            problems.append("GRAPH_CLIENT_ID is empty: set the Entra app registration's application id")
    if kind == "client_secret" and not _secret(settings.graph_client_secret):
        problems.append("GRAPH_CLIENT_SECRET is empty: set the app registration's client secret")
    elif kind == "certificate":
        path = settings.graph_certificate_path
        if path is None or not path.is_file():
            problems.append("GRAPH_CERTIFICATE_PATH must name the app's certificate file (PEM or PKCS12)")
    elif kind == "loopback" and not loopback:
        problems.append("GRAPH_CREDENTIAL=loopback only works with a GRAPH_BASE_URL on this machine")
    elif kind not in ("client_secret", "certificate", "managed_identity", "loopback"):
        problems.append(
            "GRAPH_CREDENTIAL must be client_secret, certificate, managed_identity or loopback, "
            f"not {kind!r}"
        )
    if settings.mail_backend == "graph" and "@" not in _sending_mailbox(settings):
        problems.append("GRAPH_SENDING_MAILBOX is empty: MAIL=graph sends as this mailbox")
    return problems


def build_credential(settings: IntegrationSettings) -> AsyncTokenCredential:
    """The azure-identity async credential chosen by ``GRAPH_CREDENTIAL``. Nothing is fetched yet."""
    from azure.identity.aio import (
        CertificateCredential,
        ClientSecretCredential,
        ManagedIdentityCredential,
    )

    kind = settings.graph_credential
    if kind == "client_secret":
        return ClientSecretCredential(
            _tenant(settings), settings.graph_client_id, _secret(settings.graph_client_secret)
        )
    if kind == "certificate":
        password = _secret(settings.graph_certificate_password)
        return CertificateCredential(
            _tenant(settings),
            settings.graph_client_id,
            str(settings.graph_certificate_path),
            password=password.encode() if password else None,
        )
    if kind == "managed_identity":
        return ManagedIdentityCredential(client_id=settings.graph_managed_identity_client_id or None)
    if kind == "loopback":
        if not _is_loopback_url(settings.graph_base_url):
            raise ValueError("GRAPH_CREDENTIAL=loopback only works with a GRAPH_BASE_URL on this machine")
        return LoopbackCredential()
    raise ValueError(f"Unknown GRAPH_CREDENTIAL {kind!r}")


@dataclass
class Integrations:
    """The gateways the app uses, and the Graph connection behind them (if any) to close."""

    calendar: CalendarGateway
    mail: MailGateway
    graph: GraphConnection | None = None

    async def close(self) -> None:
        if self.graph is not None:
            await self.graph.close()


class IntegrationSettingsError(ValueError):
    """The settings cannot build the chosen gateways; the message names the variables to set."""


def build_integrations(
    settings: IntegrationSettings, *, credential: AsyncTokenCredential | None = None
) -> Integrations:
    """The calendar and mail gateways for ``settings``; ``credential`` overrides GRAPH_CREDENTIAL."""
    problems = integration_problems(settings)
    if problems:
        raise IntegrationSettingsError("Integrations cannot start:\n  - " + "\n  - ".join(problems))
    graph: GraphConnection | None = None
    if _uses_graph(settings):
        from integrations.graph import GraphCalendar, GraphConnection, GraphMail

        graph = GraphConnection(credential or build_credential(settings), base_url=settings.graph_base_url)
    calendar: CalendarGateway = LocalCalendar()
    if graph is not None and settings.calendar_backend == "graph":
        calendar = GraphCalendar(graph)
    mail: MailGateway
    if settings.mail_backend == "graph" and graph is not None:
        mail = GraphMail(graph, sender=_sending_mailbox(settings))
    elif settings.mail_backend == "smtp":
        mail = SmtpMail(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username or None,
            password=_secret(settings.smtp_password) or None,
            starttls=settings.smtp_starttls,
        )
    else:
        mail = OutboxFolderMail(settings.outbox_dir, sender=settings.mail_from)
    return Integrations(calendar, mail, graph)
