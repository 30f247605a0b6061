"""The tracker: recruiters' pages over every interview (``docs/architecture.md``, "The tracker").

Routes (all under /tracker need a signed-in recruiter; GETs never change anything):

    GET  /tracker                      the pipeline: filters (GET query, bookmarkable), 50 a page
    GET  /tracker/export.csv           the filtered pipeline as CSV
    GET  /tracker/interviews/{id}      one interview: dates, history, jobs, feedback, decision
    POST /tracker/jobs/{id}/retry      a failed job, due again now
    GET  /tracker/kpis                 the KPIs over a period, with the weekly trend as SVG
    GET  /tracker/feeds                the recruiters' iCalendar feeds
    POST /tracker/feeds                a new secret feed URL (shown once)
    POST /tracker/feeds/{id}/revoke    revoke one
    GET  /tracker/outbox               the local mail outbox, newest first
    GET  /tracker/outbox/{name}        one message
    GET  /tracker/login, POST /tracker/login, POST /tracker/login/oidc,
    GET  /tracker/auth/callback, POST /tracker/logout
    GET  /feeds/{token}.ics            a recruiter's feed (the secret URL is the credential)
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup, escape

from bot.web.http import SERVICES, SETTINGS, TEMPLATES, render
from bot.web.tracker.signin import (
    OidcClient,
    Sessions,
    SignInFailed,
    TrackerAuthConfig,
    Viewer,
    pkce_pair,
    safe_next,
)
from integrations.ics import feed_ics
from integrations.mail import OutboxNameRefused, list_outbox, read_outbox
from scheduling.errors import DomainError
from scheduling.intervals import Interval
from scheduling.interview import FORMAT_LABELS, STAGE_LABELS, Format, Stage
from scheduling.kpi import compute_kpis, weekly_trend
from scheduling.zones import format_local, zone
from services import reports

DEFAULT_ZONE = "Europe/London"
KPI_DAYS = 90
ZONES = (
    "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
    "Australia/Adelaide", "Australia/Sydney", "UTC",
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self' https:; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class Tracker:
    sessions: Sessions
    oidc: OidcClient | None


TRACKER = web.AppKey("tracker", Tracker)


def setup_tracker(app: web.Application, config: TrackerAuthConfig | None = None) -> None:
    """Add the tracker's routes. `config` defaults to what the settings say (``signin.py``)."""
    config = config or TrackerAuthConfig.from_settings(app[SETTINGS])
    oidc = OidcClient(config.oidc, config.clock) if config.mode == "oidc" and config.oidc else None
    app[TRACKER] = Tracker(Sessions(config), oidc)
    r = app.router
    r.add_get("/tracker", pipeline)
    r.add_get("/tracker/", to_pipeline)
    r.add_get("/tracker/export.csv", export_csv)
    r.add_get("/tracker/interviews/{id}", interview)
    r.add_post("/tracker/jobs/{id}/retry", retry_job)
    r.add_get("/tracker/kpis", kpis)
    r.add_get("/tracker/feeds", feeds)
    r.add_post("/tracker/feeds", create_feed)
    r.add_post("/tracker/feeds/{id}/revoke", revoke_feed)
    r.add_get("/tracker/outbox", outbox)
    r.add_get("/tracker/outbox/{name}", outbox_message)
    r.add_get("/tracker/login", login_page)
    r.add_post("/tracker/login", login_password)
    r.add_post("/tracker/login/oidc", login_oidc)
    r.add_get("/tracker/auth/callback", oidc_callback)
    r.add_post("/tracker/logout", logout)
    r.add_get("/feeds/{token}.ics", feed)


async def to_pipeline(request: web.Request) -> web.Response:
    return _redirect("/tracker")


def tracker_password(app: web.Application) -> str | None:
    """The local sign-in password (for the CLI to print), or None when another way is used."""
    config = app[TRACKER].sessions.config
    if config.mode == "password" and config.password is not None:
        return config.password.get_secret_value()
    return None


# Plumbing ---------------------------------------------------------------------------------------


def _redirect(location: str, status: int = 302) -> web.Response:
    response = web.Response(status=status, headers={"Location": location, **SECURITY_HEADERS})
    return response


def _page(request: web.Request, template: str, viewer: Viewer | None, status: int = 200,
          **context: Any) -> web.Response:
    response = render(
        request.app[TEMPLATES], template, status=status, viewer=viewer,
        local=request.app[SETTINGS].is_local, stage_labels=STAGE_LABELS, **context,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _reports(request: web.Request) -> reports.Reports:
    return request.app[SERVICES].reports


def _now(request: web.Request) -> datetime:
    return request.app[SERVICES].ctx.now()


def _signed_in(request: web.Request) -> Viewer:
    """The recruiter looking, or a redirect to the login page (coming back here afterwards)."""
    viewer = request.app[TRACKER].sessions.viewer(request)
    if viewer is None or not viewer.signed_in:
        raise web.HTTPFound(
            "/tracker/login?" + urlencode({"next": request.path_qs}), headers=SECURITY_HEADERS
        )
    return viewer


async def _posted(request: web.Request) -> tuple[Viewer, dict[str, str]]:
    """A POST's form after the CSRF check, from a signed-in recruiter."""
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    viewer = request.app[TRACKER].sessions.check_csrf(request, form)
    if not viewer.signed_in:
        raise web.HTTPFound("/tracker/login", headers=SECURITY_HEADERS)
    return viewer, form


def _zone_of(request: web.Request, viewer: Viewer) -> tuple[str, str | None]:
    """The zone to show times in: ?tz=, else the recruiter's own, else Europe/London."""
    wanted = request.query.get("tz", "").strip()
    if wanted:
        try:
            zone(wanted)
            return wanted, None
        except DomainError as error:
            return viewer.zone or DEFAULT_ZONE, error.message
    return viewer.zone or DEFAULT_ZONE, None


def _day(value: str, name: str, errors: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(f"{name}: {value!r} is not a date (use YYYY-MM-DD)")
        return None


def _local_midnight(d: date, zone_name: str) -> datetime:
    # Lenient on purpose: a filter boundary in a DST gap is simply shifted, never refused.
    return datetime.combine(d, time(0), tzinfo=zone(zone_name)).astimezone(UTC)


def _filter(request: web.Request, zone_name: str, errors: list[str]) -> reports.PipelineFilter:
    q = request.query
    stage: Stage | None = None
    if q.get("stage"):
        try:
            stage = Stage(q["stage"])
        except ValueError:
            errors.append(f"stage: {q['stage']!r} is not a stage")
    start, end = _day(q.get("from", ""), "from", errors), _day(q.get("to", ""), "to", errors)
    if start and end and end < start:
        errors.append("the date range ends before it starts")
    sort = q.get("sort", "attention")
    if sort not in reports.SORTS:
        errors.append(f"sort: {sort!r} is not a way to sort")
        sort = "attention"
    try:
        page = max(int(q.get("page", "1")), 1)
    except ValueError:
        page = 1
    return reports.PipelineFilter(
        client_id=q.get("client") or None,
        recruiter_id=q.get("recruiter") or None,
        stage=stage,
        starts_from=_local_midnight(start, zone_name) if start else None,
        starts_before=_local_midnight(end + timedelta(days=1), zone_name) if end else None,
        overdue_only=q.get("overdue") == "1",
        sort=sort,
        page=min(page, 100_000),
    )


def _query(request: web.Request, **changes: str | int | None) -> str:
    """The current query string with some keys changed (None removes one)."""
    params = {k: v for k, v in request.query.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return urlencode(params)


class _Times:
    """Formatting helpers handed to the templates, bound to the viewer's zone and now."""

    def __init__(self, zone_name: str, now: datetime) -> None:
        self.zone = zone_name
        self.now = now

    def at(self, value: datetime | None) -> str:
        return format_local(value, self.zone) if value is not None else "—"

    def short(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        local = value.astimezone(zone(self.zone))
        return f"{local:%a %d %b %Y %H:%M} {local.tzname() or ''}".rstrip()

    def since(self, value: datetime) -> str:
        return reports.humanize(self.now - value)


# Pipeline ---------------------------------------------------------------------------------------


async def pipeline(request: web.Request) -> web.Response:
    viewer = _signed_in(request)
    read = _reports(request)
    zone_name, zone_error = _zone_of(request, viewer)
    errors = [zone_error] if zone_error else []
    f = _filter(request, zone_name, errors)
    if errors:
        f = reports.PipelineFilter(page=1)
    now = _now(request)
    page = await read.pipeline_page(f)
    clients, recruiters = await read.filter_choices()
    failed = await read.failed_job_count()
    return _page(
        request, "tracker/pipeline.html", viewer, status=400 if errors else 200,
        page=page, f=f, q=request.query, errors=errors, clients=clients, recruiters=recruiters,
        stages=list(Stage), sorts=reports.SORTS, zones=_zones(zone_name), zone_name=zone_name,
        t=_Times(zone_name, now), failed=failed,
        page_link=lambda n: "/tracker?" + _query(request, page=n),
        export_link="/tracker/export.csv?" + _query(request, page=None),
        zone_query=_query(request, page=None, tz=zone_name),
    )


def _zones(current: str) -> list[str]:
    return list(ZONES) if current in ZONES else [current, *ZONES]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote
    (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


CSV_HEADER = (
    "interview_id", "client_organisation", "client", "candidate", "role", "recruiter", "stage",
    "interview_start", "interview_end", "time_zone", "requested_at", "in_stage_since",
    "next_action", "owed_by", "overdue",
)


async def export_csv(request: web.Request) -> web.Response:
    viewer = _signed_in(request)
    zone_name, zone_error = _zone_of(request, viewer)
    errors = [zone_error] if zone_error else []
    f = _filter(request, zone_name, errors)
    if errors:
        raise web.HTTPBadRequest(text="; ".join(errors), content_type="text/plain")
    now = _now(request)
    rows = await _reports(request).pipeline_export(f)
    tz = zone(zone_name)

    def iso(value: datetime | None) -> str:
        return value.astimezone(tz).isoformat(timespec="minutes") if value else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow(
            csv_cell(v)
            for v in (
                r.id, r.client_org or "", r.client_name, r.candidate_name, r.role_title, r.recruiter_name,
                STAGE_LABELS[r.stage], iso(r.starts_at), iso(r.ends_at), zone_name, iso(r.requested_at),
                iso(r.stage_changed_at), r.action.text if r.action else "",
                r.action.owed_by if r.action and r.action.owed_by else "",
                r.action.overdue if r.action and r.action.overdue else "",
            )
        )
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="askarsan-pipeline-{now:%Y%m%d}.csv"',
            **SECURITY_HEADERS,
        },
    )


# One interview ----------------------------------------------------------------------------------


async def interview(request: web.Request) -> web.Response:
    viewer = _signed_in(request)
    zone_name, zone_error = _zone_of(request, viewer)
    now = _now(request)
    detail = await _reports(request).interview(request.match_info["id"])
    if detail is None:
        return _page(request, "tracker/message.html", viewer, status=404, title="Not found",
                     message="There is no interview with that id.")
    return _page(
        request, "tracker/interview.html", viewer, d=detail,
        format_label=FORMAT_LABELS.get(Format(detail.format), detail.format) if detail.format in
        {f.value for f in Format} else detail.format, t=_Times(zone_name, now),
        zones=_zones(zone_name), zone_name=zone_name, errors=[zone_error] if zone_error else [],
        retried=request.query.get("retried"),
    )


async def retry_job(request: web.Request) -> web.Response:
    await _posted(request)
    done, interview_id = await _reports(request).retry_job(request.match_info["id"])
    back = f"/tracker/interviews/{interview_id}" if interview_id else "/tracker"
    return _redirect(f"{back}?retried={'1' if done else '0'}", status=303)


# KPIs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str
    median: str


CHART_W, CHART_H, CHART_PAD, CHART_TOP = 640, 160, 24, 16


def trend_bars(trend: list[tuple[date, int, timedelta | None]]) -> list[Bar]:
    """The weekly trend as bars in a CHART_W × CHART_H box (interviews booked per week)."""
    if not trend:
        return []
    top = max(count for _, count, _ in trend) or 1
    slot = (CHART_W - CHART_PAD) / len(trend)
    bars = []
    for i, (monday, count, median) in enumerate(trend):
        height = (CHART_H - CHART_PAD - CHART_TOP) * count / top  # room above for the count
        bars.append(
            Bar(
                x=round(CHART_PAD + i * slot + slot * 0.15, 1),
                y=round(CHART_H - CHART_PAD - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                count=count,
                label=f"{monday:%d %b}",
                median=reports.humanize(median) if median is not None else "—",
            )
        )
    return bars


async def kpis(request: web.Request) -> web.Response:
    viewer = _signed_in(request)
    zone_name, zone_error = _zone_of(request, viewer)
    errors = [zone_error] if zone_error else []
    now = _now(request)
    today = now.astimezone(zone(zone_name)).date()
    start = _day(request.query.get("from", ""), "from", errors) or today - timedelta(days=KPI_DAYS)
    end = _day(request.query.get("to", ""), "to", errors) or today
    if end < start:
        errors.append("the period ends before it starts")
        start, end = today - timedelta(days=KPI_DAYS), today
    period = Interval(_local_midnight(start, zone_name), _local_midnight(end + timedelta(days=1), zone_name))
    facts = await _reports(request).kpi_facts(period)
    result = compute_kpis(facts, period, as_of=min(now, period.end))
    trend = weekly_trend(facts, period)
    return _page(
        request, "tracker/kpis.html", viewer, status=400 if errors else 200, k=result,
        bars=trend_bars(trend), chart=(CHART_W, CHART_H, CHART_PAD), start=start, end=end,
        errors=errors, zones=_zones(zone_name), zone_name=zone_name, humanize=_maybe,
        pct=lambda v: "—" if v is None else f"{v:.0%}",
    )


def _maybe(value: timedelta | None) -> str:
    return "—" if value is None else reports.humanize(value)


# Feeds ------------------------------------------------------------------------------------------


async def feeds(request: web.Request, *, viewer: Viewer | None = None, new_url: str | None = None,
                message: str | None = None, status: int = 200) -> web.Response:
    viewer = viewer or _signed_in(request)
    read = _reports(request)
    _, recruiters = await read.filter_choices()
    return _page(
        request, "tracker/feeds.html", viewer, status=status, feeds=await read.feeds(),
        recruiters=recruiters, new_url=new_url, message=message,
        t=_Times(viewer.zone or DEFAULT_ZONE, _now(request)),
    )


async def create_feed(request: web.Request) -> web.Response:
    viewer, form = await _posted(request)
    try:
        token = await _reports(request).create_feed(
            form.get("recruiter", ""), created_by=viewer.email or viewer.user
        )
    except reports.UnknownRecruiter:
        return await feeds(request, viewer=viewer, message="Choose a recruiter for the feed.", status=400)
    url = f"{request.app[SETTINGS].public_url}/feeds/{token}.ics"
    return await feeds(request, viewer=viewer, new_url=url)


async def revoke_feed(request: web.Request) -> web.Response:
    viewer, _ = await _posted(request)
    done = await _reports(request).revoke_feed(request.match_info["id"])
    return await feeds(
        request, viewer=viewer, message="The feed was revoked: its URL no longer works." if done
        else "That feed was already revoked.",
    )


async def feed(request: web.Request) -> web.Response:
    now = _now(request)
    found = await _reports(request).feed(request.match_info["token"])
    if found is None:
        raise web.HTTPNotFound(text="No such calendar feed (it may have been revoked).",
                               content_type="text/plain")
    body = feed_ics(found.events, name=f"askARSAN interviews — {found.recruiter_name}", now=now)
    return web.Response(
        body=body, content_type="text/calendar", charset="utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                 "X-Content-Type-Options": "nosniff"},
    )


# Outbox -----------------------------------------------------------------------------------------


async def outbox(request: web.Request) -> web.Response:
    viewer = _signed_in(request)
    folder = request.app[SETTINGS].outbox_dir
    entries = await asyncio.to_thread(list_outbox, folder)
    zone_name, _ = _zone_of(request, viewer)
    return _page(request, "tracker/outbox.html", viewer, entries=entries[:500], total=len(entries),
                 folder=str(folder), t=_Times(zone_name, _now(request)))


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Plain text, escaped, with its http(s) links made clickable (opened without a referrer)."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        end = match.start() + len(url)
        out.append(str(escape(text[last:match.start()])))
        out.append(f'<a href="{escape(url)}" rel="noopener noreferrer" target="_blank">{escape(url)}</a>')
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    try:
        return str(part.get_content())
    except (LookupError, ValueError):
        return None


async def outbox_message(request: web.Request) -> web.Response:
    viewer = _signed_in(request)
    folder = request.app[SETTINGS].outbox_dir
    name = request.match_info["name"]
    try:
        message = await asyncio.to_thread(read_outbox, folder, name)
    except (OutboxNameRefused, FileNotFoundError):
        return _page(request, "tracker/message.html", viewer, status=404, title="Not found",
                     message="There is no such message in the outbox.")
    text = _part(message, "plain")
    attachments = [
        (part.get_filename() or "(unnamed)", part.get_content_type())
        for part in message.iter_attachments()
    ]
    return _page(
        request, "tracker/mail.html", viewer, mail_name=name, subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")), to=str(message.get("To", "")),
        date=str(message.get("Date", "")), text=linkify(text) if text is not None else None,
        html=_part(message, "html"), attachments=attachments,
    )


# Sign-in ----------------------------------------------------------------------------------------


async def login_page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    tracker = request.app[TRACKER]
    response = web.Response()
    viewer = tracker.sessions.anonymous(request, response)
    if viewer.signed_in and error is None:
        return _redirect(safe_next(request.query.get("next")))
    page = _page(
        request, "tracker/login.html", None, status=status, csrf=viewer.csrf,
        mode=tracker.sessions.config.mode, next=safe_next(request.query.get("next")), error=error,
    )
    for cookie in response.cookies.values():
        page.cookies[cookie.key] = cookie
    return page


async def login_password(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    tracker.sessions.check_csrf(request, form)
    if tracker.sessions.config.mode != "password":
        raise web.HTTPForbidden(
            text="Sign in with Microsoft: password sign-in is off.", content_type="text/plain"
        )
    if not tracker.sessions.password_ok(form.get("password", "")):
        return await login_page(request, error="That password is not right.", status=401)
    response = _redirect(safe_next(form.get("next")), status=303)
    tracker.sessions.sign_in(response, Viewer(csrf="", user="Recruiter (local)"))
    return response


async def login_oidc(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    tracker.sessions.check_csrf(request, form)
    if tracker.oidc is None:
        raise web.HTTPForbidden(text="Microsoft sign-in is not configured.", content_type="text/plain")
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    try:
        url = await tracker.oidc.authorization_url(state=state, nonce=nonce, challenge=challenge)
    except SignInFailed as error:
        return await login_page(request, error=f"Sign-in is unavailable: {error.reason}", status=502)
    response = _redirect(url, status=303)
    tracker.sessions.start_flow(
        response, {"state": state, "nonce": nonce, "verifier": verifier, "next": safe_next(form.get("next"))}
    )
    return response


async def oidc_callback(request: web.Request) -> web.Response:
    tracker = request.app[TRACKER]
    if tracker.oidc is None:
        raise web.HTTPNotFound()
    flow = tracker.sessions.flow(request)
    q = request.query
    if q.get("error"):
        return await login_page(
            request, error=f"Microsoft sign-in failed: {q.get('error_description') or q['error']}", status=401
        )
    if flow is None or not q.get("state") or not secrets.compare_digest(str(flow.get("state")), q["state"]):
        return await login_page(
            request, error="That sign-in has expired or was not started here.", status=401
        )
    try:
        id_token = await tracker.oidc.redeem(q.get("code", ""), str(flow["verifier"]))
        claims = await tracker.oidc.validate(id_token, nonce=str(flow["nonce"]))
    except SignInFailed as error:
        return await login_page(request, error=f"Sign-in refused: {error.reason}", status=error.status)
    if not tracker.oidc.is_recruiter(claims):
        return await login_page(
            request, error="You signed in, but you are not on the tracker's list of recruiters.", status=403
        )
    email = str(claims.get("email") or claims.get("preferred_username") or "") or None
    oid = str(claims.get("oid") or claims["sub"])
    known = await _reports(request).recruiter_for(object_id=oid, email=email)
    response = _redirect(safe_next(str(flow.get("next"))), status=303)
    tracker.sessions.end_flow(response)
    tracker.sessions.sign_in(
        response,
        Viewer(csrf="", user=str(claims.get("name") or email or "Recruiter"), email=email, object_id=oid,
               party_id=known[0] if known else None, zone=known[1] if known else None),
    )
    return response


async def logout(request: web.Request) -> web.Response:
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    request.app[TRACKER].sessions.check_csrf(request, form)
    response = _redirect("/tracker/login", status=303)
    request.app[TRACKER].sessions.sign_out(response)
    return response


__all__ = ["TRACKER", "csv_cell", "linkify", "setup_tracker", "tracker_password", "trend_bars"]
