"""Recruiters only: sign-in, signed sessions that expire, CSRF on every POST, sign-out."""

from __future__ import annotations

import pytest

from bot.web.tracker.signin import SESSION_COOKIE, Sessions, Viewer, safe_next
from tests.tracker.conftest import password_config
from tests.tracker.helpers import csrf_of, sign_in

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
    config = password_config()
    client = await tracker_app(config=config)
    expired = Sessions(config).dumps_session_for_tests(
        Viewer(csrf="c", user="Recruiter"), expires_at=config.clock() - 1
    )
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: expired})
    response = await client.get("/tracker", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/tracker/login")


async def test_a_tampered_session_is_not_a_session(tracker_app):
    config = password_config()
    client = await tracker_app(config=config)
    good = Sessions(config).dumps_session_for_tests(Viewer(csrf="c", user="R"), expires_at=config.clock() + 60)
    body, signature = good.split(".")
    forged = Sessions(password_config(secret_key=b"another key")).dumps_session_for_tests(
        Viewer(csrf="c", user="R"), expires_at=config.clock() + 60
    )
    for value in (body + "." + signature[:-2] + "AA", forged, "garbage", ""):
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({SESSION_COOKIE: value})
        assert (await client.get("/tracker", allow_redirects=False)).status == 302


async def test_sign_out_ends_the_session(tracker_app):
    client = await tracker_app()
    csrf = await sign_in(client)
    response = await client.post("/tracker/logout", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/tracker", allow_redirects=False)).status == 302


async def test_production_without_entra_id_keeps_the_tracker_closed(tracker_app):
    client = await tracker_app(config=password_config(mode="closed", password=None))
    html = await (await client.get("/tracker/login")).text()
    assert "Sign-in is not configured" in html


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/tracker/kpis?x=1", "/tracker/kpis?x=1"), ("https://evil.example/tracker", "/tracker"),
     ("//evil.example", "/tracker"), ("/other", "/tracker"), (None, "/tracker"),
     ("/tracker\\@evil", "/tracker")],
    ids=["inside", "absolute", "scheme-relative", "outside", "none", "backslash"],
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
