"""Production refuses to start with secrets too short to hold against guessing, and says which
variable, why, and how long it must be (never the secret itself). `local` generates its own."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import Settings, SettingsError

STRONG = {
    "ASKARSAN_ENV": "production",
    "MicrosoftAppId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "MicrosoftAppPassword": "app-registration-client-secret",
    "MicrosoftAppTenantId": "00000000-0000-0000-0000-0000000000aa",
    "PUBLIC_URL": "https://askarsan.agency.example",
    "ASKARSAN_SECRET_KEY": "s" * 32,
    "ASKARSAN_API_KEY": "a" * 32,
    "ASKARSAN_TRACKER_PASSWORD": "p" * 12,
}


def production(**changes: Any) -> Settings:
    values = {**STRONG, **changes}
    return Settings(_env_file=None, **{k: v for k, v in values.items() if v is not None})


def test_production_with_long_enough_secrets_starts() -> None:
    production().check()
    production(ASKARSAN_TRACKER_PASSWORD=None).check()  # no password: the tracker stays closed


WEAK = {
    "api key of one character": ({"ASKARSAN_API_KEY": "k"}, "ASKARSAN_API_KEY is too short (1 character)"),
    "empty api key": ({"ASKARSAN_API_KEY": ""}, "ASKARSAN_API_KEY is too short (0 characters)"),
    "api key one short": ({"ASKARSAN_API_KEY": "api-key-" + "b" * 23}, "ASKARSAN_API_KEY is too short (31"),
    "no api key": ({"ASKARSAN_API_KEY": None}, "ASKARSAN_API_KEY is not set"),
    "tracker password of four": ({"ASKARSAN_TRACKER_PASSWORD": "pw42"},
                                 "ASKARSAN_TRACKER_PASSWORD is too short (4 characters): use at least 12"),
    "tracker password one short": ({"ASKARSAN_TRACKER_PASSWORD": "password-11"},
                                   "ASKARSAN_TRACKER_PASSWORD is too short (11"),
    "secret key one short": ({"ASKARSAN_SECRET_KEY": "secret-key-" + "c" * 20}, "ASKARSAN_SECRET_KEY is too short (31"),
}


@pytest.mark.parametrize(("changes", "message"), WEAK.values(), ids=WEAK.keys())
def test_production_refuses_a_weak_secret_and_says_why(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        production(**changes).check()
    text = str(refused.value)
    assert message in text
    assert "at least" in text
    for value in changes.values():
        if value and len(value) > 3:
            assert value not in text  # the secret is named, never shown


def test_local_accepts_short_secrets_and_generates_missing_ones() -> None:
    local = Settings(_env_file=None, ASKARSAN_ENV="local", ASKARSAN_API_KEY="k", ASKARSAN_TRACKER_PASSWORD="pw")
    local.check()
    generated = Settings(_env_file=None, ASKARSAN_ENV="local").with_local_secrets()
    assert generated.api_key is not None and len(generated.api_key.get_secret_value()) >= 32
