"""Raw header bytes at the tracker's and the JSON API's routes: whatever arrives in Authorization,
Cookie, Content-Type or X-Forwarded-Proto (bytes that are not UTF-8, a cookie nobody signed, a
form that is no form), the answer is a 4xx or a page, never a 500 and never a dropped connection.

The requests go over a plain socket so that the bytes reach the server exactly as written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.web.tracker.signin import SESSION_COOKIE, TrackerAuthConfig
from tests.helpers.http import API_KEY, csrf_of, raw_request

SECRET = "header-bytes-test-secret-" + "h" * 32
PASSWORD = "a long enough tracker password"
FUZZ = settings(
    max_examples=250, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TRACKER_GETS = [
    "/tracker", "/tracker/login", "/tracker/login?next=/tracker/kpis", "/tracker/kpis", "/tracker/feeds",
    "/tracker/outbox", "/tracker/export.csv", "/tracker/interviews/x", "/tracker/outbox/x.eml",
    "/tracker/auth/callback?code=x&state=y", "/feeds/x.ics",
]
TRACKER_POSTS = ["/tracker/login", "/tracker/login/oidc", "/tracker/logout", "/tracker/feeds",
                 "/tracker/jobs/x/retry", "/tracker/feeds/x/revoke"]
API = [("POST", "/api/v1/interviews"), ("GET", "/api/v1/interviews/x")]
ROUTES = [("GET", path) for path in TRACKER_GETS] + [("POST", path) for path in TRACKER_POSTS] + API


@pytest.fixture
async def server(tracker_app: Callable[..., Any]) -> dict[str, Any]:
    """The real app with the tracker's password sign-in (no throttle in the way of the fuzzer), and
    a signed-in recruiter's cookie and CSRF token."""
    config = TrackerAuthConfig(SECRET.encode(), "password", password=SecretStr(PASSWORD),
                               failures_per_address=(10**6, 1.0), failures_per_account=(10**6, 1.0))
    client = await tracker_app(config=config, ASKARSAN_SECRET_KEY=SECRET)
    page = await client.get("/tracker/login")
    signed = await client.post("/tracker/login", data={"password": PASSWORD, "csrf": csrf_of(await page.text())},
                               allow_redirects=False)
    assert signed.status == 303
    cookie = signed.cookies[SESSION_COOKIE].value
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: cookie})
    csrf = csrf_of(await (await client.get("/tracker")).text())
    return {"client": client, "cookie": cookie, "csrf": csrf}


NOT_UTF8_BEARERS = {
    "ff fe": b"Bearer \xff\xfe",
    "lone lead byte": b"Bearer \xc3",
    "latin-1 e acute": b"Bearer caf\xe9",
    "utf-8 e acute": "Bearer café".encode(),
    "no scheme": b"\xff\xfe",
}


@pytest.mark.parametrize("value", NOT_UTF8_BEARERS.values(), ids=NOT_UTF8_BEARERS.keys())
@pytest.mark.parametrize(("method", "path"), API, ids=["create", "read"])
async def test_an_api_key_that_is_not_utf8_is_refused_with_401(
    server: dict[str, Any], method: str, path: str, value: bytes
) -> None:
    status, answer = await raw_request(server["client"], method, path, [(b"Authorization", value)])
    assert status == 401, answer
    assert b'"error"' in answer


NOT_OUR_COOKIES = {
    "e acute, one dot": "é.é".encode(),
    "e acute, two dots": "é.é.é".encode(),
    "not utf-8": b"\xff.\xfe",
    "unsigned parts": b"eyJhbGciOiJub25lIn0.eyJjc3JmIjoiYyJ9.",
    "garbage": b"x.y",
}


@pytest.mark.parametrize("value", NOT_OUR_COOKIES.values(), ids=NOT_OUR_COOKIES.keys())
async def test_a_cookie_nobody_signed_does_not_lock_recruiters_out(server: dict[str, Any], value: bytes) -> None:
    cookie = [(b"Cookie", SESSION_COOKIE.encode() + b"=" + value)]
    status, answer = await raw_request(server["client"], "GET", "/tracker/login", cookie)
    assert status == 200, answer
    assert b'name="csrf"' in answer and b"Set-Cookie: " + SESSION_COOKIE.encode() in answer
    for path in ("/tracker", "/tracker/kpis", "/tracker/interviews/x"):
        status, answer = await raw_request(server["client"], "GET", path, cookie)
        assert status == 302 and b"Location: /tracker/login?next=" in answer, (path, answer)


printable = st.binary(max_size=48).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
unicode_bytes = st.text(max_size=24).map(lambda t: t.encode("utf-8", "surrogatepass").replace(b"\r", b"")
                                         .replace(b"\n", b""))
header_values = printable | unicode_bytes | st.sampled_from(
    [b"\xff\xfe", b"Bearer \xff\xfe", "é.é".encode(), b"", b" ", b"\x00", b"\x7f", b"Bearer ", b"bearer  x"]
)
content_types = header_values | st.sampled_from([
    b"multipart/form-data", b"multipart/form-data; boundary=", b"multipart/form-data; boundary=x",
    b"application/x-www-form-urlencoded; charset=no-such-charset", b"application/x-www-form-urlencoded; charset=utf-16",
    b"application/json", b"application/json; charset=\xff", b"text/plain", b"*/*",
])
forwarded_protos = header_values | st.sampled_from([b"https", b"http", b"HTTPS, http", b"ftp", b",,"])


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    method, path = draw(st.sampled_from(ROUTES))
    signed_in = draw(st.booleans())
    cookie_value = draw(header_values)
    headers: list[tuple[bytes, bytes]] = []
    if draw(st.booleans()):
        headers.append((b"Authorization", draw(header_values)))
    if draw(st.booleans()):
        headers.append((b"Content-Type", draw(content_types)))
    if draw(st.booleans()):
        headers.append((b"X-Forwarded-Proto", draw(forwarded_protos)))
    cookie_shape = draw(st.sampled_from(["ours", "session", "flow", "raw", "none"]))
    body = draw(st.sampled_from([b"", b"csrf={csrf}&password=wrong&next=/tracker", b"--x\r\n\r\n",
                                 b"csrf={csrf}&next=/tracker%0d%0aSet-Cookie:%20x=1", b"\xff\xfe=\xff"]))
    if method == "POST" and path == "/tracker/logout":
        signed_in = False  # signing the fixture's recruiter out would end the other examples' session
    return {"method": method, "path": path, "signed_in": signed_in, "cookie_value": cookie_value,
            "cookie_shape": cookie_shape, "headers": headers, "body": body}


@FUZZ
@given(request=requests())
async def test_fuzzed_header_bytes_never_give_a_500_or_a_dropped_connection(
    server: dict[str, Any], request: dict[str, Any]
) -> None:
    headers = list(request["headers"])
    value = request["cookie_value"]
    shape = request["cookie_shape"]
    if request["signed_in"]:
        headers.append((b"Cookie", f"{SESSION_COOKIE}={server['cookie']}".encode()))
    elif shape == "session":
        headers.append((b"Cookie", SESSION_COOKIE.encode() + b"=" + value))
    elif shape == "flow":
        headers.append((b"Cookie", b"askarsan_tracker_oidc=" + value + b"; " + SESSION_COOKIE.encode() + b"=" + value))
    elif shape == "raw":
        headers.append((b"Cookie", value))
    if request["path"].startswith("/api/") and not any(name == b"Authorization" for name, _ in headers):
        headers.append((b"Authorization", f"Bearer {API_KEY}".encode()))
    body = request["body"].replace(b"{csrf}", server["csrf"].encode()) if request["method"] == "POST" else b""
    status, answer = await raw_request(server["client"], request["method"], request["path"], headers, body)
    assert status is not None, ("the connection was dropped", request)
    assert status < 500, (status, answer[:600], request)
