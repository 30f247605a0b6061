"""Production sign-in: Entra ID's OpenID Connect code flow with PKCE (through msal), against a
loopback provider over HTTPS.

The provider runs on the test's own event loop, so these tests also prove that msal's blocking
HTTP runs off the loop: called on it, msal would wait for a provider that cannot answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.web.tracker.signin import SESSION_COOKIE, OidcConfig
from storage.models import TrackerSession
from tests.helpers.http import csrf_of, sessions_of
from tests.helpers.oidc import FakeOidc
from tests.helpers.tracker import RECRUITER, new_interview, password_config


@pytest.fixture
async def provider() -> AsyncIterator[FakeOidc]:
    fake = await FakeOidc().start()
    yield fake
    await fake.close()


def oidc_config(provider: FakeOidc, **overrides: Any):
    values: dict[str, Any] = {
        "metadata_url": provider.metadata_url,
        "client_id": provider.client_id,
        "client_secret": SecretStr(provider.client_secret),
        "redirect_uri": "http://localhost:3978/tracker/auth/callback",
        "allowed": frozenset({"rita@agency.example"}),
        "group_id": "group-recruiters",
        "tenant_id": provider.tenant,
        "ca_file": provider.ca_file,
    }
    values.update(overrides)
    return password_config(mode="oidc", password=None, oidc=OidcConfig(**values))


async def sign_in_with_microsoft(client, provider: FakeOidc, *, state: str | None = None):
    """Click "Sign in with Microsoft", let the provider consent, come back to the callback
    (with another `state` than the provider sent back, when given)."""
    page = await client.get("/tracker/login?next=/tracker/kpis")
    html = await page.text()
    assert "Sign in with Microsoft" in html
    start = await client.post("/tracker/login/oidc", data={"csrf": csrf_of(html), "next": "/tracker/kpis"},
                              allow_redirects=False)
    assert start.status == 303
    authorize = start.headers["Location"]
    assert "code_challenge_method=S256" in authorize and "nonce=" in authorize
    async with aiohttp.ClientSession() as browser, browser.get(
        authorize, allow_redirects=False, ssl=provider.browser_ssl()
    ) as consent:
        back = consent.headers["Location"]
    parts = urlsplit(back)
    query = parts.query if state is None else urlencode({**dict(parse_qsl(parts.query)), "state": state})
    return await client.get(f"{parts.path}?{query}", allow_redirects=False)


async def test_a_listed_recruiter_signs_in_with_microsoft(tracker_app, provider):
    provider.claims = {"name": "Rita Recruiter", "preferred_username": "Rita@Agency.example", "oid": "oid-rita"}
    client = await tracker_app(config=oidc_config(provider))
    await new_interview(sessions_of(client), datetime.now(UTC), recruiter=RECRUITER)
    response = await sign_in_with_microsoft(client, provider)
    assert response.status == 303 and response.headers["Location"] == "/tracker/kpis"
    html = await (await client.get("/tracker")).text()
    assert "Rita Recruiter" in html


async def test_a_member_of_the_recruiters_group_signs_in(tracker_app, provider):
    provider.claims = {"name": "Gary Group", "preferred_username": "gary@agency.example",
                       "groups": ["other", "group-recruiters"]}
    client = await tracker_app(config=oidc_config(provider))
    assert (await sign_in_with_microsoft(client, provider)).status == 303
    assert (await client.get("/tracker", allow_redirects=False)).status == 200


async def test_someone_who_is_not_a_recruiter_is_refused(tracker_app, provider):
    provider.claims = {"name": "Mallory", "preferred_username": "mallory@agency.example", "groups": ["other"]}
    client = await tracker_app(config=oidc_config(provider))
    response = await sign_in_with_microsoft(client, provider)
    assert response.status == 403
    assert "not on the tracker&#39;s list of recruiters" in await response.text()
    assert (await client.get("/tracker", allow_redirects=False)).status == 302


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [("signature", "refused"), ("nonce", "nonce"), ("audience", "refused")],
    ids=["forged-signature", "replayed-nonce", "wrong-audience"],
)
async def test_an_id_token_that_cannot_be_trusted_is_refused(tracker_app, provider, tamper, reason):
    provider.claims = {"preferred_username": "rita@agency.example"}
    provider.tamper = tamper
    client = await tracker_app(config=oidc_config(provider))
    response = await sign_in_with_microsoft(client, provider)
    assert response.status == 401
    assert reason in await response.text()
    assert (await client.get("/tracker", allow_redirects=False)).status == 302


async def test_a_callback_that_was_not_started_here_is_refused(tracker_app, provider):
    client = await tracker_app(config=oidc_config(provider))
    response = await client.get("/tracker/auth/callback?code=x&state=y", allow_redirects=False)
    assert response.status == 401 and "not started here" in await response.text()


async def test_a_token_from_another_tenant_is_refused(tracker_app, provider):
    provider.claims = {"preferred_username": "rita@agency.example"}
    client = await tracker_app(config=oidc_config(provider, tenant_id="the-agency-tenant"))
    response = await sign_in_with_microsoft(client, provider)
    assert response.status == 403 and "another tenant" in await response.text()


async def test_a_callback_with_another_state_than_this_browser_started_is_refused(tracker_app, provider):
    provider.claims = {"preferred_username": "rita@agency.example"}
    client = await tracker_app(config=oidc_config(provider))
    response = await sign_in_with_microsoft(client, provider, state="a-state-from-elsewhere")
    assert response.status == 401 and "not started here" in await response.text()
    assert "POST /token" not in provider.requests  # the code was never redeemed
    assert (await client.get("/tracker", allow_redirects=False)).status == 302


async def test_a_provider_that_cannot_be_reached_is_a_page_that_says_so(tracker_app, provider):
    client = await tracker_app(config=oidc_config(provider))
    await provider.close()
    page = await client.get("/tracker/login")
    response = await client.post("/tracker/login/oidc", data={"csrf": csrf_of(await page.text())},
                                 allow_redirects=False)
    assert response.status == 502
    assert "Sign-in is unavailable: the sign-in provider cannot be reached" in await response.text()


async def test_a_signed_in_recruiters_session_ends_on_the_server_at_sign_out(tracker_app, provider):
    provider.claims = {"name": "Rita Recruiter", "preferred_username": "rita@agency.example", "oid": "oid-rita"}
    client = await tracker_app(config=oidc_config(provider))
    assert (await sign_in_with_microsoft(client, provider)).status == 303
    copied = client.session.cookie_jar.filter_cookies(client.make_url("/tracker"))[SESSION_COOKIE].value
    csrf = csrf_of(await (await client.get("/tracker")).text())
    async with sessions_of(client)() as db:
        row = (await db.execute(select(TrackerSession))).scalar_one()
    assert (row.display_name, row.email, row.object_id) == ("Rita Recruiter", "rita@agency.example", "oid-rita")
    assert (await client.post("/tracker/logout", data={"csrf": csrf}, allow_redirects=False)).status == 303
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: copied})
    assert (await client.get("/tracker", allow_redirects=False)).status == 302
