"""What every tracker page shares: the app key, security headers, sign-in checks, the viewer's
zone and times, the pipeline filter read from the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.web.http import SERVICES, SETTINGS, TEMPLATES, render
from bot.web.tracker.entra import OidcClient
from bot.web.tracker.signin import Sessions, Viewer
from scheduling.errors import DomainError
from scheduling.interview import STAGE_LABELS, Stage
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


def redirect(location: str, status: int = 302) -> web.Response:
    response = web.Response(status=status, headers={"Location": location, **SECURITY_HEADERS})
    return response


def page(request: web.Request, template: str, viewer: Viewer | None, status: int = 200,
          **context: Any) -> web.Response:
    response = render(
        request.app[TEMPLATES], template, status=status, viewer=viewer,
        local=request.app[SETTINGS].is_local, stage_labels=STAGE_LABELS, **context,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def reports_of(request: web.Request) -> reports.Reports:
    return request.app[SERVICES].reports


def now_of(request: web.Request) -> datetime:
    return request.app[SERVICES].ctx.now()


def signed_in(request: web.Request) -> Viewer:
    """The recruiter looking, or a redirect to the login page (coming back here afterwards)."""
    viewer = request.app[TRACKER].sessions.viewer(request)
    if viewer is None or not viewer.signed_in:
        raise web.HTTPFound(
            "/tracker/login?" + urlencode({"next": request.path_qs}), headers=SECURITY_HEADERS
        )
    return viewer


async def posted(request: web.Request) -> tuple[Viewer, dict[str, str]]:
    """A POST's form after the CSRF check, from a signed-in recruiter."""
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    viewer = request.app[TRACKER].sessions.check_csrf(request, form)
    if not viewer.signed_in:
        raise web.HTTPFound("/tracker/login", headers=SECURITY_HEADERS)
    return viewer, form


def zone_of(request: web.Request, viewer: Viewer) -> tuple[str, str | None]:
    """The zone to show times in: ?tz=, else the recruiter's own, else Europe/London."""
    wanted = request.query.get("tz", "").strip()
    if wanted:
        try:
            zone(wanted)
            return wanted, None
        except DomainError as error:
            return viewer.zone or DEFAULT_ZONE, error.message
    return viewer.zone or DEFAULT_ZONE, None


def day(value: str, name: str, errors: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(f"{name}: {value!r} is not a date (use YYYY-MM-DD)")
        return None


def local_midnight(d: date, zone_name: str) -> datetime:
    # Lenient on purpose: a filter boundary in a DST gap is simply shifted, never refused.
    return datetime.combine(d, time(0), tzinfo=zone(zone_name)).astimezone(UTC)


def pipeline_filter(
    request: web.Request, zone_name: str, errors: list[str], viewer: Viewer | None = None
) -> reports.PipelineFilter:
    q = request.query
    scope = scope_of(q.get("who", ""), viewer, errors)
    stage: Stage | None = None
    if q.get("stage"):
        try:
            stage = Stage(q["stage"])
        except ValueError:
            errors.append(f"stage: {q['stage']!r} is not a stage")
    start, end = day(q.get("from", ""), "from", errors), day(q.get("to", ""), "to", errors)
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
        scope=scope,
        viewer_id=viewer.party_id if scope and viewer else None,
        stage=stage,
        starts_from=local_midnight(start, zone_name) if start else None,
        starts_before=local_midnight(end + timedelta(days=1), zone_name) if end else None,
        overdue_only=q.get("overdue") == "1",
        sort=sort,
        page=min(page, 100_000),
    )


NO_PARTY = (
    "who: askARSAN does not know which recruiter you are, so it cannot tell which interviews are "
    "yours (sign in with Microsoft as a recruiter it knows); showing everyone's"
)


def scope_of(value: str, viewer: Viewer | None, errors: list[str]) -> str | None:
    """The "who" filter: "mine" (owned or co-recruited) or "team" (shares a team with me), for a
    viewer our records know; "" is everyone's."""
    if not value:
        return None
    if value not in reports.SCOPES:
        errors.append(f"who: {value[:40]!r} is not a choice (mine, team, or everyone's)")
        return None
    if viewer is None or not viewer.party_id:
        errors.append(NO_PARTY)
        return None
    return value


def query(request: web.Request, **changes: str | int | None) -> str:
    """The current query string with some keys changed (None removes one)."""
    params = {k: v for k, v in request.query.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return urlencode(params)


class Times:
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




def zones_with(current: str) -> list[str]:
    return list(ZONES) if current in ZONES else [current, *ZONES]
