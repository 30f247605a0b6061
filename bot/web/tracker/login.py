"""The tracker's sign-in pages: the local password, Microsoft Entra ID, sign-out."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.web.tracker.common import TRACKER, page, redirect, reports_of
from bot.web.tracker.entra import SignInFailed, flow_for_cookie
from bot.web.tracker.signin import Viewer, read_form, safe_next


async def login_page(request: web.Request, *, error: str | None = None, status: int = 200,
                     fresh: bool = False, retry_after: int | None = None) -> web.Response:
    """The sign-in form. `fresh`: a new CSRF token (after a failed attempt, the old one is spent)."""
    tracker = request.app[TRACKER]
    response = web.Response()
    viewer = tracker.sessions.anonymous(request, response, fresh=fresh)
    if viewer.signed_in and error is None:
        return redirect(safe_next(request.query.get("next")))
    shown = page(
        request, "tracker/login.html", None, status=status, csrf=viewer.csrf,
        mode=tracker.sessions.config.mode, next=safe_next(request.query.get("next")), error=error,
    )
    if retry_after is not None:
        shown.headers["Retry-After"] = str(retry_after)
    for cookie in response.cookies.values():
        shown.cookies[cookie.key] = cookie
    return shown


PASSWORD_ACCOUNT = "local-password"  # noqa: S105 - a throttle key (the one account guessed at), no secret


async def login_password(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    form = await read_form(request)
    tracker.sessions.check_csrf(request, form)
    if tracker.sessions.config.mode != "password":
        raise web.HTTPForbidden(
            text="Sign in with Microsoft: password sign-in is off.", content_type="text/plain"
        )
    throttled = tracker.sessions.throttled(request, PASSWORD_ACCOUNT)
    if throttled is not None:
        return await login_page(request, error=throttled.message, status=429, fresh=True,
                                retry_after=throttled.retry_after)
    if not tracker.sessions.password_ok(form.get("password", "")):
        tracker.sessions.failed(request, PASSWORD_ACCOUNT)
        return await login_page(request, error="That password is not right.", status=401, fresh=True)
    response = redirect(safe_next(form.get("next")), status=303)
    await tracker.sessions.sign_in(response, Viewer(csrf="", user="Recruiter (local)"))
    return response


async def login_oidc(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    form = await read_form(request)
    tracker.sessions.check_csrf(request, form)
    if tracker.oidc is None:
        raise web.HTTPForbidden(text="Microsoft sign-in is not configured.", content_type="text/plain")
    throttled = tracker.sessions.throttled(request)
    if throttled is not None:
        return await login_page(request, error=throttled.message, status=429,
                                retry_after=throttled.retry_after)
    try:
        flow = await asyncio.to_thread(tracker.oidc.begin)  # msal's HTTP blocks: off the loop
    except SignInFailed as error:
        return await login_page(request, error=f"Sign-in is unavailable: {error.reason}", status=error.status)
    response = redirect(str(flow["auth_uri"]), status=303)
    tracker.sessions.start_flow(response, flow_for_cookie(flow), safe_next(form.get("next")))
    return response


async def oidc_callback(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    if tracker.oidc is None:
        raise web.HTTPNotFound()
    q = request.query
    if q.get("error"):
        return await login_page(
            request, error=f"Microsoft sign-in failed: {q.get('error_description') or q['error']}", status=401
        )
    throttled = tracker.sessions.throttled(request)
    if throttled is not None:
        return await login_page(request, error=throttled.message, status=429,
                                retry_after=throttled.retry_after)
    started = tracker.sessions.flow(request)
    if started is None or not q.get("state"):
        tracker.sessions.failed(request)
        return await login_page(
            request, error="That sign-in has expired or was not started here.", status=401
        )
    flow, next_path = started
    try:
        claims = await asyncio.to_thread(tracker.oidc.finish, flow, dict(q))
    except SignInFailed as error:
        tracker.sessions.failed(request)
        return await login_page(request, error=f"Sign-in refused: {error.reason}", status=error.status)
    if not tracker.oidc.is_recruiter(claims):
        tracker.sessions.failed(request)
        return await login_page(
            request, error="You signed in, but you are not on the tracker's list of recruiters.", status=403
        )
    email = str(claims.get("email") or claims.get("preferred_username") or "") or None
    oid = str(claims.get("oid") or claims["sub"])
    known = await reports_of(request).recruiter_for(object_id=oid, email=email)
    response = redirect(next_path, status=303)
    tracker.sessions.end_flow(response)
    await tracker.sessions.sign_in(
        response,
        Viewer(csrf="", user=str(claims.get("name") or email or "Recruiter"), email=email, object_id=oid,
               party_id=known[0] if known else None, zone=known[1] if known else None),
    )
    return response


async def logout(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    tracker.sessions.check_csrf(request, await read_form(request))
    response = redirect("/tracker/login", status=303)
    await tracker.sessions.sign_out(request, response)
    return response




def tracker_password(app: web.Application) -> str | None:
    """The local sign-in password (for the CLI to print), or None when another way is used."""
    config = app[TRACKER].sessions.config
    if config.mode == "password" and config.password is not None:
        return config.password.get_secret_value()
    return None


