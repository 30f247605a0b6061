"""Recruiters only: sign-in, signed sessions that expire, CSRF on every POST, sign-out."""

from __future__ import annotations

import hashlib
import time

import jwt
import pytest
from sqlalchemy import select

from bot.web.tracker.signin import SESSION_COOKIE, safe_next
from storage.models import TrackerSession
from tests.helpers.clock import Clock
from tests.helpers.http import csrf_of, sessions_of
from tests.helpers.tracker import PASSWORD, browser_at, password_config, sign_in, try_password

PAGES = ["/tracker", "/tracker/kpis", "/tracker/feeds", "/tracker/outbox", "/tracker/export.csv",
         "/tracker/interviews/x", "/tracker/outbox/x.eml"]


@pytest.mark.parametrize("path", PAGES, ids=PAGES)
async def test_a_visitor_who_has_not_signed_in_is_sent_to_the_login_page(tracker_app, path):
    client = await tracker_app()
    response = await client.get(path + "?a=1", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/tracker/login?next=")


async def test_the_right_password_signs_in_and_goes_back_where_the_visitor_was(tracker_app):
    client = await tracker_app()
    page = await client.get("/tracker/login?next=/tracker/kpis")
    assert "Password" in await page.text()
    response = await client.post(
        "/tracker/login",
        data={"password": "correct horse battery staple", "csrf": csrf_of(await page.text()),
              "next": "/tracker/kpis"},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/tracker/kpis"
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/tracker"
    assert (await client.get("/tracker/kpis", allow_redirects=False)).status == 200


async def test_a_wrong_password_is_refused_with_a_message(tracker_app):
    client = await tracker_app()
    page = await client.get("/tracker/login")
    response = await client.post(
        "/tracker/login", data={"password": "guess", "csrf": csrf_of(await page.text())}, allow_redirects=False
    )
    assert response.status == 401
    assert "That password is not right." in await response.text()
    assert (await client.get("/tracker", allow_redirects=False)).status == 302


async def test_a_login_without_its_csrf_token_is_refused(tracker_app):
    client = await tracker_app()
    await client.get("/tracker/login")
    response = await client.post("/tracker/login", data={"password": "correct horse battery staple"})
    assert response.status == 403 and "security token" in await response.text()


@pytest.mark.parametrize(
    "path", ["/tracker/logout", "/tracker/feeds", "/tracker/jobs/x/retry", "/tracker/feeds/x/revoke"]
)
async def test_every_post_without_the_csrf_token_is_refused(tracker_app, path):
    client = await tracker_app()
    await sign_in(client)
    for data in ({}, {"csrf": "forged"}):
        response = await client.post(path, data=data, allow_redirects=False)
        assert response.status == 403, path
        assert "security token" in await response.text()


async def test_an_expired_session_is_sent_back_to_sign_in(tracker_app):
    clock = Clock(time.time())
    client = await tracker_app(config=password_config(clock=clock, session_ttl=3600))
    await sign_in(client)
    clock.now += 3599
    assert (await client.get("/tracker", allow_redirects=False)).status == 200
    clock.now += 1
    response = await client.get("/tracker", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/tracker/login")


async def test_a_tampered_session_is_not_a_session(tracker_app):
    config = password_config()
    client = await tracker_app(config=config)
    await sign_in(client)
    good = client.session.cookie_jar.filter_cookies(client.make_url("/tracker"))[SESSION_COOKIE].value
    head, body, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, b"another key" * 4, algorithm="HS256")  # the same session, another key
    unsigned = jwt.encode(claims, None, algorithm="none")
    for value in (f"{head}.{body}.{signature[:-2]}AA", forged, unsigned, "garbage", ""):
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({SESSION_COOKIE: value})
        assert (await client.get("/tracker", allow_redirects=False)).status == 302, value
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: good})
    assert (await client.get("/tracker", allow_redirects=False)).status == 200


async def test_sign_out_ends_the_session(tracker_app):
    client = await tracker_app()
    csrf = await sign_in(client)
    response = await client.post("/tracker/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/tracker", allow_redirects=False)).status == 302


async def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(tracker_app):
    client = await tracker_app()
    csrf = await sign_in(client)
    copied = client.session.cookie_jar.filter_cookies(client.make_url("/tracker"))[SESSION_COOKIE].value
    assert (await client.post("/tracker/logout", data={"csrf": csrf}, allow_redirects=False)).status == 303
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: copied})  # the thief's copy
    response = await client.get("/tracker", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/tracker/login")
    refused = await client.post("/tracker/feeds", data={"csrf": csrf, "recruiter": "x"}, allow_redirects=False)
    assert refused.status == 403 and "session has expired" in await refused.text()


async def test_sign_in_leaves_no_secret_in_the_database(tracker_app):
    """Only the session id's SHA-256 is stored: a copy of the table opens no session."""
    client = await tracker_app()
    await sign_in(client)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/tracker"))[SESSION_COOKIE].value
    session_id = jwt.decode(cookie, options={"verify_signature": False})["sid"]
    async with sessions_of(client)() as db:
        rows = (await db.execute(select(TrackerSession))).scalars().all()
    assert len(rows) == 1 and rows[0].revoked_at is None
    assert rows[0].id_hash == hashlib.sha256(session_id.encode()).hexdigest()
    assert session_id not in repr([vars(row) for row in rows])


async def test_failed_sign_ins_from_one_address_are_throttled_then_let_through_after_the_wait(tracker_app):
    clock = Clock(time.time())
    config = password_config(clock=clock)
    limit, _ = config.failures_per_address
    client = await tracker_app(config=config)
    async with browser_at("127.0.0.2") as guesser, browser_at("127.0.0.3") as recruiter:
        for attempt in range(limit):
            status, page, _ = await try_password(guesser, client, f"guess {attempt}")
            assert status == 401 and "That password is not right." in page
        status, page, retry_after = await try_password(guesser, client, PASSWORD)  # even the right one
        assert status == 429 and "Too many failed sign-ins from your address" in page
        assert (await try_password(recruiter, client, PASSWORD))[0] == 303  # another address is not held up
        clock.now += int(retry_after) - 2
        assert (await try_password(guesser, client, PASSWORD))[0] == 429  # not yet
        clock.now += 2
        assert (await try_password(guesser, client, PASSWORD))[0] == 303  # Retry-After told the truth


async def test_failed_sign_ins_spread_over_many_addresses_are_throttled_per_account(tracker_app):
    clock = Clock(time.time())
    config = password_config(clock=clock)
    per_address, _ = config.failures_per_address
    per_account, _ = config.failures_per_account
    client = await tracker_app(config=config)
    failed = 0
    for host in range(10, 250):
        async with browser_at(f"127.0.0.{host}") as guesser:
            for _ in range(min(per_address - 1, per_account - failed)):
                assert (await try_password(guesser, client, "guess"))[0] == 401
                failed += 1
        if failed == per_account:
            break
    async with browser_at("127.0.1.1") as newcomer:
        status, page, retry_after = await try_password(newcomer, client, PASSWORD)
        assert status == 429 and "Too many failed sign-ins to this account" in page
        clock.now += int(retry_after) - 2
        assert (await try_password(newcomer, client, PASSWORD))[0] == 429
        clock.now += 2
        assert (await try_password(newcomer, client, PASSWORD))[0] == 303


async def test_after_a_failed_sign_in_the_form_carries_a_new_csrf_token_and_the_old_one_is_spent(tracker_app):
    client = await tracker_app()
    first = csrf_of(await (await client.get("/tracker/login")).text())
    wrong = await client.post("/tracker/login", data={"password": "guess", "csrf": first}, allow_redirects=False)
    assert wrong.status == 401
    second = csrf_of(await wrong.text())
    assert second != first
    again = await client.post("/tracker/login", data={"password": "guess", "csrf": first}, allow_redirects=False)
    assert again.status == 403 and "security token" in await again.text()


@pytest.mark.parametrize(
    "next_path", ["/tracker\r\nSet-Cookie: planted=1", "/tracker\nLocation: https://evil.example", "/tracker\x00"],
    ids=["crlf-header", "lf-location", "nul"],
)
async def test_a_next_with_control_characters_is_not_followed_after_sign_in(tracker_app, next_path):
    client = await tracker_app()
    page = await client.get("/tracker/login")
    response = await client.post(
        "/tracker/login", data={"password": PASSWORD, "csrf": csrf_of(await page.text()), "next": next_path},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/tracker"
    assert "planted" not in response.cookies


async def test_production_without_entra_id_keeps_the_tracker_closed(tracker_app):
    client = await tracker_app(config=password_config(mode="closed", password=None))
    html = await (await client.get("/tracker/login")).text()
    assert "Sign-in is not configured" in html


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/tracker/kpis?x=1", "/tracker/kpis?x=1"), ("https://evil.example/tracker", "/tracker"),
     ("//evil.example", "/tracker"), ("/other", "/tracker"), (None, "/tracker"),
     ("/tracker\\@evil", "/tracker"), ("/tracker\r\nSet-Cookie: x=1", "/tracker"), ("/tracker\n", "/tracker"),
     ("/tracker/kpis\x7f", "/tracker"), ("/tracker\x85", "/tracker"), ("/tracker/k pis", "/tracker"),
     ("/tracker/caf\u00e9", "/tracker")],
    ids=["inside", "absolute", "scheme-relative", "outside", "none", "backslash", "crlf", "lf", "del", "c1-next-line",
         "space", "not-ascii"],
)
def test_after_sign_in_only_tracker_paths_are_followed(given, expected):
    assert safe_next(given) == expected


async def test_pages_carry_security_headers(tracker_app):
    client = await tracker_app()
    await sign_in(client)
    response = await client.get("/tracker")
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
