"""Settings: read once at start from the environment and `.env`, typed and validated.

The Bot Framework names (`MicrosoftAppId`, ...) are kept as the SDK and Azure document them.
Secrets are `SecretStr` so they never show in a repr or a log line.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from scheduling.interview import Policy
from scheduling.policy import FIELDS as POLICY_FIELDS
from scheduling.policy import InvalidPolicy
from scheduling.policy import checked as policy_checked
from scheduling.policy import parse_values as parse_policy

# Service URLs the Bot Connector uses (public cloud, Teams' regional hosts, Government clouds).
# The bot's token is only ever sent to one of these (`is_trusted_service` trusts all;
# docs/architecture.md, "SDK traps").
DEFAULT_TRUSTED_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "*.botframework.com",
    "*.botframework.us",
    "*.botframework.azure.us",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)


# The shortest secrets production accepts (checked at start, see Settings.check()).
MIN_SECRET_KEY = 32
MIN_API_KEY = 32
MIN_TRACKER_PASSWORD = 12


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


class SettingsError(Exception):
    """Settings that cannot run; the message says which variable to set."""


class Settings(BaseSettings):
    """Every setting, by its environment variable (the alias of each field).

    The agency's scheduling policy (defaults a client's overrides on the tracker replace field by
    field; an interview keeps the policy it was requested under). Durations are written "24h",
    "90m", "2d" or "1h30m"; lists "24h, 1h" ("none": no reminders); unset: the built-in default.

    - ``ASKARSAN_REMINDERS_BEFORE`` (24h, 1h): reminders to the client and the candidate, before
      the interview's start.
    - ``ASKARSAN_RESCHEDULE_CUTOFF`` (12h, 0 or more): a client or candidate may move or cancel
      the booked interview themselves until this long before its start.
    - ``ASKARSAN_MAX_RESCHEDULES`` (2, 0 to 10): how often each of them may move it; beyond, the
      recruiter decides.
    - ``ASKARSAN_PENDING_REMINDERS`` (24h, 48h): reminders to a client who offers no slots or a
      candidate who does not pick, each after the previous; ``ASKARSAN_PENDING_ESCALATION`` (24h):
      the recruiter is alerted this long after the last.
    - ``ASKARSAN_FEEDBACK_DELAY`` (15m): feedback is asked for this long after the interview's end.
    - ``ASKARSAN_FEEDBACK_REMINDERS`` (24h, 48h): feedback reminders, each after the previous;
      ``ASKARSAN_FEEDBACK_ESCALATION`` (12h): the recruiter is alerted this long after the last;
      ``ASKARSAN_FEEDBACK_WINDOW`` (24h, not before the alert): the window closes and the summary
      is compiled this long after the last reminder.
    - ``ASKARSAN_HOLD_FOLLOW_UP`` (7d): a candidate put on hold comes back to the recruiter this long
      after the decision.
    - ``ASKARSAN_RECRUITER_FOLLOW_UP_AFTER`` (15m, 0 or more) and ``ASKARSAN_RECRUITER_FOLLOW_UP_LENGTH``
      (30m): the follow-up hold in the recruiter's calendar, after the interview's end.

    Each is checked at start (`check`), with the reason, e.g. a reminder time that is not positive.
    """

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, case_sensitive=False
    )

    env: Literal["local", "production"] = Field("local", alias="ASKARSAN_ENV")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(3978, alias="PORT", ge=1, le=65535)
    public_url: str = Field("", alias="PUBLIC_URL")
    database_url: str = Field("sqlite+aiosqlite:///askarsan.db", alias="DATABASE_URL")
    data_dir: Path = Field(Path("var"), alias="ASKARSAN_DATA_DIR")

    # Bot Framework (names as Azure and the SDK document them).
    app_id: str = Field("", alias="MicrosoftAppId")
    app_password: SecretStr = Field(SecretStr(""), alias="MicrosoftAppPassword")
    app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", alias="MicrosoftAppType"
    )

    # Signing key for invitation/Direct Line tokens and tracker sessions.
    secret_key: SecretStr | None = Field(None, alias="ASKARSAN_SECRET_KEY")
    api_key: SecretStr | None = Field(None, alias="ASKARSAN_API_KEY")

    # Hosts trusted besides DEFAULT_TRUSTED_SERVICE_HOSTS (added to them, never replacing them:
    # see `service_hosts`).
    trusted_service_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="ASKARSAN_TRUSTED_SERVICE_HOSTS"
    )
    allowed_tenants: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="ASKARSAN_ALLOWED_TENANTS"
    )
    mail_from: str = Field("askarsan@localhost", alias="ASKARSAN_MAIL_FROM")
    # Tokens the Bot Framework Emulator sends (Azure AD tokens the bot's own app requested):
    # accepted locally; refused in production unless set to true (a staging bot one tests with
    # the Emulator). Teams and Azure Bot Service channels send Bot Connector tokens, unaffected.
    emulator_tokens: bool | None = Field(None, alias="ASKARSAN_EMULATOR_TOKENS")

    # Microsoft 365: calendars and mail through Graph, or SMTP.
    calendar_backend: Literal["local", "graph"] = Field("local", alias="CALENDAR")
    mail_backend: Literal["outbox", "smtp", "graph"] = Field("outbox", alias="MAIL")
    graph_credential: Literal["client_secret", "certificate", "managed_identity", "loopback"] = Field(
        "client_secret", alias="GRAPH_CREDENTIAL"
    )
    graph_tenant_id: str = Field("", alias="GRAPH_TENANT_ID")
    graph_client_id: str = Field("", alias="GRAPH_CLIENT_ID")
    graph_client_secret: SecretStr | None = Field(None, alias="GRAPH_CLIENT_SECRET")
    graph_certificate_path: Path | None = Field(None, alias="GRAPH_CERTIFICATE_PATH")
    graph_certificate_password: SecretStr | None = Field(None, alias="GRAPH_CERTIFICATE_PASSWORD")
    graph_managed_identity_client_id: str = Field("", alias="GRAPH_MANAGED_IDENTITY_CLIENT_ID")
    graph_base_url: str = Field("https://graph.microsoft.com/v1.0", alias="GRAPH_BASE_URL")
    graph_sending_mailbox: str = Field("", alias="GRAPH_SENDING_MAILBOX")
    smtp_host: str = Field("", alias="SMTP_HOST")
    smtp_port: int = Field(587, alias="SMTP_PORT", ge=1, le=65535)
    smtp_username: str = Field("", alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(True, alias="SMTP_STARTTLS")
    teams_service_url: str = Field("https://smba.trafficmanager.net/teams/", alias="TEAMS_SERVICE_URL")

    # The tracker: a local password, or Microsoft Entra ID sign-in in production.
    tracker_password: SecretStr | None = Field(None, alias="ASKARSAN_TRACKER_PASSWORD")
    oidc_client_id: str = Field("", alias="ASKARSAN_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(None, alias="ASKARSAN_OIDC_CLIENT_SECRET")
    oidc_metadata_url: str = Field("", alias="ASKARSAN_OIDC_METADATA_URL")
    tracker_recruiters: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="ASKARSAN_TRACKER_RECRUITERS"
    )
    tracker_group_id: str = Field("", alias="ASKARSAN_TRACKER_GROUP_ID")

    # Web chat: the built-in Direct Line endpoint, or Azure Direct Line when a secret is set.
    directline_secret: SecretStr | None = Field(None, alias="DIRECTLINE_SECRET")
    directline_base_url: str = Field(
        "https://directline.botframework.com/v3/directline", alias="DIRECTLINE_BASE_URL"
    )
    directline_token_ttl: int = Field(1800, alias="DIRECTLINE_TOKEN_TTL", ge=60)
    directline_service_url: str = Field("", alias="DIRECTLINE_SERVICE_URL")
    # Caps per conversation on the built-in endpoint (bot/directline/caps.py says why these
    # numbers): posts at once, posts a second after that, WebSockets open at once.
    directline_burst: int = Field(10, alias="ASKARSAN_DIRECTLINE_BURST", ge=1)
    directline_per_second: float = Field(1.0, alias="ASKARSAN_DIRECTLINE_PER_SECOND", gt=0)
    directline_streams: int = Field(4, alias="ASKARSAN_DIRECTLINE_STREAMS", ge=1)
    max_body_bytes: int = Field(256 * 1024, alias="ASKARSAN_MAX_BODY_BYTES", ge=1024)
    run_jobs: bool = Field(True, validation_alias=AliasChoices("ASKARSAN_RUN_JOBS"))
    # The job runner (in `serve`, or `askarsan worker`): how long a claimed job is leased before
    # another worker may take it over, how often the queue is polled, how many jobs a pass claims.
    job_lease_seconds: float = Field(120, alias="ASKARSAN_JOB_LEASE_SECONDS", ge=1)
    job_poll_seconds: float = Field(1.0, alias="ASKARSAN_JOB_POLL_SECONDS", ge=0.01)
    job_batch: int = Field(20, alias="ASKARSAN_JOB_BATCH", ge=1)

    # The agency's scheduling policy (see the class docstring); parsed and checked by `policy`.
    reminders_before: str | None = Field(None, alias="ASKARSAN_REMINDERS_BEFORE")
    reschedule_cutoff: str | None = Field(None, alias="ASKARSAN_RESCHEDULE_CUTOFF")
    max_reschedules: str | None = Field(None, alias="ASKARSAN_MAX_RESCHEDULES")
    pending_reminders: str | None = Field(None, alias="ASKARSAN_PENDING_REMINDERS")
    pending_escalation: str | None = Field(None, alias="ASKARSAN_PENDING_ESCALATION")
    feedback_delay: str | None = Field(None, alias="ASKARSAN_FEEDBACK_DELAY")
    feedback_reminders: str | None = Field(None, alias="ASKARSAN_FEEDBACK_REMINDERS")
    feedback_escalation: str | None = Field(None, alias="ASKARSAN_FEEDBACK_ESCALATION")
    feedback_window: str | None = Field(None, alias="ASKARSAN_FEEDBACK_WINDOW")
    hold_follow_up: str | None = Field(None, alias="ASKARSAN_HOLD_FOLLOW_UP")
    recruiter_follow_up_after: str | None = Field(None, alias="ASKARSAN_RECRUITER_FOLLOW_UP_AFTER")
    recruiter_follow_up_length: str | None = Field(None, alias="ASKARSAN_RECRUITER_FOLLOW_UP_LENGTH")

    _split = field_validator(
        "trusted_service_hosts", "allowed_tenants", "tracker_recruiters", mode="before"
    )(
        _split_list
    )

    @model_validator(mode="after")
    def _fill_local_defaults(self) -> Settings:
        if not self.public_url:
            self.public_url = f"http://localhost:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        return self

    @property
    def service_hosts(self) -> list[str]:
        """Every host pattern the bot's token may go to: Microsoft's, then the configured ones."""
        extra = [h for h in self.trusted_service_hosts if h not in DEFAULT_TRUSTED_SERVICE_HOSTS]
        return [*DEFAULT_TRUSTED_SERVICE_HOSTS, *extra]

    @property
    def is_local(self) -> bool:
        return self.env == "local"

    @property
    def accepts_emulator_tokens(self) -> bool:
        return self.is_local if self.emulator_tokens is None else self.emulator_tokens

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def policy(self) -> Policy:
        """The agency's scheduling policy: the built-in defaults with the variables set in place.
        SettingsError names each variable that cannot run, with the reason."""
        problems = self._policy_problems()
        if problems:
            raise SettingsError("askARSAN cannot start:\n  - " + "\n  - ".join(problems))
        return self._policy()

    def _policy(self) -> Policy:
        given = {f.name: getattr(self, f.name) for f in POLICY_FIELDS}
        return policy_checked(Policy(), parse_policy({k: v for k, v in given.items() if v is not None}))

    def _policy_problems(self) -> list[str]:
        """Each policy variable that cannot run, with the reason: those that cannot be read, and
        of the others those that cannot run together."""
        found: dict[str, str] = {}
        parsed: dict[str, object] = {}
        for f in POLICY_FIELDS:
            typed = getattr(self, f.name)
            if typed is None:
                continue
            try:
                parsed.update(parse_policy({f.name: typed}))
            except InvalidPolicy as error:
                found.update(error.problems)
        try:
            policy_checked(Policy(), parsed)
        except InvalidPolicy as error:
            found.update(error.problems)
        aliases = {name: field.alias for name, field in type(self).model_fields.items()}
        return [f"{aliases[name]} ({getattr(self, name)!r}): {reason}" for name, reason in found.items()]

    def check(self) -> None:
        """Refuse to start with settings that cannot work; say what to set."""
        problems: list[str] = self._policy_problems()
        if not urlsplit(self.public_url).hostname:
            problems.append(f"PUBLIC_URL is not a URL: {self.public_url!r}")
        if self.env == "production":
            if not self.app_id:
                problems.append("MicrosoftAppId is empty: set the Azure Bot registration's app id")
            if self.app_type != "UserAssignedMSI" and not self.app_password.get_secret_value():
                problems.append(
                    "MicrosoftAppPassword is empty: set the client secret of the app registration"
                )
            if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
                problems.append(
                    "MicrosoftAppTenantId is empty: a SingleTenant or managed identity bot needs it"
                )
            problems.extend(self._weak_secrets())
            if not self.public_url.startswith("https://"):
                problems.append("PUBLIC_URL must be an https:// URL in production")
            if self.oidc_client_id and self.oidc_metadata_url and not (
                self.oidc_metadata_url.startswith("https://")
                and self.oidc_metadata_url.endswith("/.well-known/openid-configuration")
            ):
                problems.append(
                    "ASKARSAN_OIDC_METADATA_URL must be the provider's https:// discovery document, "
                    "ending in /.well-known/openid-configuration"
                )
        from integrations.factory import integration_problems  # lazy: it imports azure-core

        problems.extend(integration_problems(self))
        if problems:
            raise SettingsError("askARSAN cannot start:\n  - " + "\n  - ".join(problems))

    def _weak_secrets(self) -> list[str]:
        """Secrets too short to hold against guessing, each named with why (never with its value).

        The signing key and the API key are compared by machines, so they must be long random
        strings; the tracker password is typed by people and guarded by the sign-in throttle."""
        problems = []
        for name, value, least, why in (
            ("ASKARSAN_SECRET_KEY", self.secret_key, MIN_SECRET_KEY, "it signs links, tokens and sessions"),
            ("ASKARSAN_API_KEY", self.api_key, MIN_API_KEY, "it is the whole credential of the JSON API"),
        ):
            length = len(value.get_secret_value()) if value is not None else 0
            if length < least:
                given = "is not set" if value is None else f"is too short ({_characters(length)})"
                problems.append(
                    f"{name} {given}: set at least {least} random characters ({why}), e.g. the output "
                    "of `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`"
                )
        if self.tracker_password is not None:
            length = len(self.tracker_password.get_secret_value())
            if length < MIN_TRACKER_PASSWORD:
                problems.append(
                    f"ASKARSAN_TRACKER_PASSWORD is too short ({_characters(length)}): use at least "
                    f"{MIN_TRACKER_PASSWORD} (it opens every interview on the tracker), or sign "
                    "recruiters in with Entra ID (ASKARSAN_OIDC_CLIENT_ID)"
                )
        return problems

    def with_local_secrets(self) -> Settings:
        """In `local`, generate the secrets that were not given (printed once by the CLI)."""
        if not self.is_local:
            return self
        update: dict[str, object] = {}
        if self.secret_key is None:
            update["secret_key"] = SecretStr(secrets.token_urlsafe(32))
        if self.api_key is None:
            update["api_key"] = SecretStr(secrets.token_urlsafe(24))
        if self.tracker_password is None:
            update["tracker_password"] = SecretStr(secrets.token_urlsafe(12))
        return self.model_copy(update=update) if update else self
