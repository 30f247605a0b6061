"""The tracker: recruiters' pages over every interview (``docs/architecture.md``, "The tracker").

Routes (all under /tracker need a signed-in recruiter; GETs never change anything):

    GET  /tracker                      the pipeline: filters (GET query, bookmarkable), 50 a page
    GET  /tracker/export.csv           the filtered pipeline as CSV
    GET  /tracker/interviews/{id}      one interview: dates, history, jobs, feedback, decision,
                                       its owner and co-recruiters
    POST /tracker/interviews/{id}/handover   another recruiter owns it (team.py)
    POST /tracker/interviews/{id}/outcomes/{message}/send   the recruiter sends a decision's
                                       message, as edited in the form (outcomes.py)
    POST /tracker/interviews/{id}/controls/{control}   the recruiter reschedules, cancels, marks a
                                       no-show, resends the invitation, sets the meeting link or
                                       allows one more reschedule (controls.py)
    POST /tracker/jobs/{id}/retry      a failed job, due again now
    GET  /tracker/clients              the client contacts: booking page version, hours, upcoming
    GET  /tracker/clients/{id}         one client: their booking page, next open times, versions,
                                       upcoming interviews, and the form to change the page
    POST /tracker/clients/{id}         a new version of their page (clients.py)
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
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aiohttp import web

from bot.web.http import SERVICES, SETTINGS
from bot.web.tracker import controls as control_pages
from bot.web.tracker import feeds as feed_pages
from bot.web.tracker import login
from bot.web.tracker import outcomes as outcome_pages
from bot.web.tracker import team as team_pages
from bot.web.tracker.clients import setup_client_routes
from bot.web.tracker.common import (
    KPI_DAYS,
    SECURITY_HEADERS,
    TRACKER,
    Times,
    Tracker,
    day,
    local_midnight,
    now_of,
    page,
    pipeline_filter,
    posted,
    query,
    redirect,
    reports_of,
    signed_in,
    zone_of,
    zones_with,
)
from bot.web.tracker.entra import OidcClient
from bot.web.tracker.signin import Sessions, TrackerAuthConfig, Viewer
from scheduling.intervals import Interval
from scheduling.interview import FORMAT_LABELS, STAGE_LABELS, Format, Stage
from scheduling.kpi import compute_kpis, weekly_trend
from scheduling.policy import FIELDS as POLICY_FIELDS
from scheduling.zones import zone
from services import reports


def setup_tracker(app: web.Application, config: TrackerAuthConfig | None = None) -> None:
    """Add the tracker's routes. `config` defaults to what the settings say (``signin.py``)."""
    config = config or TrackerAuthConfig.from_settings(app[SETTINGS])
    oidc = OidcClient(config.oidc, config.clock) if config.mode == "oidc" and config.oidc else None
    ctx = app[SERVICES].ctx
    sessions = Sessions(config, ctx.sessions, ctx.read_sessions)
    app.middlewares.append(sessions.middleware())
    if oidc is not None:
        app.on_cleanup.append(lambda _: asyncio.to_thread(oidc.close))
    app[TRACKER] = Tracker(sessions, oidc)
    r = app.router
    r.add_get("/tracker", pipeline)
    r.add_get("/tracker/", to_pipeline)
    r.add_get("/tracker/export.csv", export_csv)
    r.add_get("/tracker/interviews/{id}", interview)
    r.add_post("/tracker/jobs/{id}/retry", retry_job)
    r.add_post("/tracker/interviews/{id}/handover", hand_over)
    r.add_post("/tracker/interviews/{id}/outcomes/{message}/send", send_outcome)
    r.add_post("/tracker/interviews/{id}/controls/{control}", control)
    setup_client_routes(app)
    r.add_get("/tracker/kpis", kpis)
    r.add_get("/tracker/feeds", feed_pages.feeds)
    r.add_post("/tracker/feeds", feed_pages.create_feed)
    r.add_post("/tracker/feeds/{id}/revoke", feed_pages.revoke_feed)
    r.add_get("/tracker/outbox", feed_pages.outbox)
    r.add_get("/tracker/outbox/{name}", feed_pages.outbox_message)
    r.add_get("/tracker/login", login.login_page)
    r.add_post("/tracker/login", login.login_password)
    r.add_post("/tracker/login/oidc", login.login_oidc)
    r.add_get("/tracker/auth/callback", login.oidc_callback)
    r.add_post("/tracker/logout", login.logout)
    r.add_get("/feeds/{token}.ics", feed_pages.feed)


async def to_pipeline(request: web.Request) -> web.Response:
    return redirect("/tracker")


# Pipeline ---------------------------------------------------------------------------------------


async def pipeline(request: web.Request) -> web.Response:
    viewer = signed_in(request)
    read = reports_of(request)
    zone_name, zone_error = zone_of(request, viewer)
    errors = [zone_error] if zone_error else []
    f = pipeline_filter(request, zone_name, errors, viewer)
    if errors:
        f = reports.PipelineFilter(page=1)
    now = now_of(request)
    listing = await read.pipeline_page(f)
    clients, recruiters = await read.filter_choices()
    failed = await read.failed_job_count()
    return page(
        request, "tracker/pipeline.html", viewer, status=400 if errors else 200,
        page=listing, f=f, q=request.query, errors=errors, clients=clients, recruiters=recruiters,
        stages=list(Stage), sorts=reports.SORTS, scopes=reports.SCOPES, zones=zones_with(zone_name),
        zone_name=zone_name,
        t=Times(zone_name, now), failed=failed,
        page_link=lambda n: "/tracker?" + query(request, page=n),
        export_link="/tracker/export.csv?" + query(request, page=None),
        zone_query=query(request, page=None, tz=zone_name),
    )


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
    viewer = signed_in(request)
    zone_name, zone_error = zone_of(request, viewer)
    errors = [zone_error] if zone_error else []
    f = pipeline_filter(request, zone_name, errors, viewer)
    if errors:
        raise web.HTTPBadRequest(text="; ".join(errors), content_type="text/plain")
    now = now_of(request)
    rows = await reports_of(request).pipeline_export(f)
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


async def interview(
    request: web.Request, *, viewer: Viewer | None = None, handover_error: str | None = None,
    status: int = 200, outcome_error: tuple[str, str, str] | None = None,
    control_error: tuple[str, str] | None = None,
) -> web.Response:
    viewer = viewer or signed_in(request)
    zone_name, zone_error = zone_of(request, viewer)
    now = now_of(request)
    detail = await reports_of(request).interview(request.match_info["id"])
    if detail is None:
        return page(request, "tracker/message.html", viewer, status=404, title="Not found",
                     message="There is no interview with that id.")
    return page(
        request, "tracker/interview.html", viewer, d=detail, status=status,
        **await team_pages.recruiters_context(request, detail.row.id, handover_error),
        **await outcome_pages.outcomes_context(request, detail.row.id, outcome_error),
        **control_pages.controls_context(request, control_error),
        format_label=FORMAT_LABELS.get(Format(detail.format), detail.format) if detail.format in
        {f.value for f in Format} else detail.format, t=Times(zone_name, now),
        zones=zones_with(zone_name), zone_name=zone_name, errors=[zone_error] if zone_error else [],
        retried=request.query.get("retried"),
        policy=await reports_of(request).interview_policy(detail.row.id), policy_fields=POLICY_FIELDS,
    )


async def hand_over(request: web.Request) -> web.Response:
    """Another recruiter owns the interview from now on (``team.py``); the page again, with
    what was wrong when it was refused."""
    viewer, form = await posted(request)
    refused = await team_pages.hand_over(request, viewer, form)
    if refused is None:
        return redirect(f"/tracker/interviews/{request.match_info['id']}?handed=1", status=303)
    status, message = refused
    return await interview(request, viewer=viewer, handover_error=message, status=status)


async def send_outcome(request: web.Request) -> web.Response:
    """Send one of the decision's messages (``outcomes.py``); the page again, with what was wrong
    and the text as typed, when it was refused."""
    viewer, form = await posted(request)
    refused = await outcome_pages.send(request, viewer, form)
    if refused is None:
        return redirect(f"/tracker/interviews/{request.match_info['id']}?sent=1#outcomes", status=303)
    status, message = refused
    error = (request.match_info["message"], message, form.get("text", ""))
    return await interview(request, viewer=viewer, status=status, outcome_error=error)


async def control(request: web.Request) -> web.Response:
    """One of the recruiter's controls (``controls.py``); the page again, with what was wrong,
    when it was refused."""
    viewer, form = await posted(request)
    name = request.match_info["control"]
    if name not in control_pages.CONTROLS:
        raise web.HTTPNotFound(text="There is no such control.", content_type="text/plain")
    outcome = await control_pages.act(request, viewer, name, form)
    if isinstance(outcome, bool):
        already = "" if outcome else "&already=1"
        return redirect(f"/tracker/interviews/{request.match_info['id']}?done={name}{already}#controls",
                        status=303)
    status, message = outcome
    return await interview(request, viewer=viewer, status=status, control_error=(name, message))


async def retry_job(request: web.Request) -> web.Response:
    await posted(request)
    done, interview_id = await reports_of(request).retry_job(request.match_info["id"])
    back = f"/tracker/interviews/{interview_id}" if interview_id else "/tracker"
    return redirect(f"{back}?retried={'1' if done else '0'}", status=303)


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
    viewer = signed_in(request)
    zone_name, zone_error = zone_of(request, viewer)
    errors = [zone_error] if zone_error else []
    now = now_of(request)
    today = now.astimezone(zone(zone_name)).date()
    start = day(request.query.get("from", ""), "from", errors) or today - timedelta(days=KPI_DAYS)
    end = day(request.query.get("to", ""), "to", errors) or today
    if end < start:
        errors.append("the period ends before it starts")
        start, end = today - timedelta(days=KPI_DAYS), today
    period = Interval(local_midnight(start, zone_name), local_midnight(end + timedelta(days=1), zone_name))
    facts = await reports_of(request).kpi_facts(period)
    result = compute_kpis(facts, period, as_of=min(now, period.end))
    trend = weekly_trend(facts, period)
    return page(
        request, "tracker/kpis.html", viewer, status=400 if errors else 200, k=result,
        bars=trend_bars(trend), chart=(CHART_W, CHART_H, CHART_PAD), start=start, end=end,
        errors=errors, zones=zones_with(zone_name), zone_name=zone_name, humanize=_maybe,
        pct=lambda v: "—" if v is None else f"{v:.0%}",
    )


def _maybe(value: timedelta | None) -> str:
    return "—" if value is None else reports.humanize(value)


