"""The landing page, health, and (locally) the demo interview that gives the two chat links."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from aiohttp import web

from bot import __version__
from bot.web.http import SERVICES, SETTINGS, STATIC, TEMPLATES, json_error, read_form, render
from services import InterviewRequest, InvalidRequest, PartyInput, TimesFrom
from services.reports import PipelineFilter

# The demo's candidates, in turn (then numbered), so that demos on the tracker are told apart:
# (name, zone, role). The client stays the same person, a hiring manager with several candidates.
DEMO_CANDIDATES: tuple[tuple[str, str, str], ...] = (
    ("Asha Rao", "Asia/Kolkata", "Senior Data Engineer"),
    ("Tomás Silva", "America/Sao_Paulo", "Product Designer"),
    ("Mei Chen", "Asia/Singapore", "Backend Engineer"),
    ("Jonas Becker", "Europe/Berlin", "Data Analyst"),
    ("Amara Okafor", "Africa/Lagos", "QA Lead"),
    ("Liam Walsh", "America/New_York", "Site Reliability Engineer"),
)


def setup_pages(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", landing)
    if app[SETTINGS].is_local:
        app.router.add_post("/demo", start_demo)
        app.router.add_get("/demo", demo_again)
    app.router.add_static("/static", STATIC, append_version=False)


async def healthz(request: web.Request) -> web.Response:
    db_ok = await request.app[SERVICES].database_reachable()
    body = {
        "status": "ok" if db_ok else "degraded",
        "version": __version__,
        "env": request.app[SETTINGS].env,
        "database": "reachable" if db_ok else "unreachable",
    }
    return web.json_response(body, status=200 if db_ok else 503)


async def landing(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return render(
        request.app[TEMPLATES], "landing.html", local=settings.is_local, outbox=str(settings.outbox_dir)
    )


async def demo_again(request: web.Request) -> web.Response:
    """A GET only shows a page: reloading the demo's page (or opening its address) leads back to
    the button that starts one, rather than starting another or answering 405."""
    raise web.HTTPSeeOther("/#try")


def demo_candidate(number: int) -> tuple[str, str, str, str]:
    """The `number`th demo's candidate (from 1): (name, e-mail, zone, role)."""
    base, zone, role = DEMO_CANDIDATES[(number - 1) % len(DEMO_CANDIDATES)]
    turn = (number - 1) // len(DEMO_CANDIDATES)
    name = f"{base} ({turn + 1})" if turn else base
    first = unicodedata.normalize("NFKD", base.split()[0].lower()).encode("ascii", "ignore").decode()
    return name, f"{first}.{number}@example.org", zone, role


# The demo client's booking page, set the first time a demo books from it: weekdays with a lunch
# break in London, half an hour to an hour, ten minutes between interviews, four hours' notice.
DEMO_PAGE: dict[str, object] = {
    "zone": "Europe/London",
    "weekly": {
        day: [{"start": "09:00", "end": "12:30"}, {"start": "13:30", "end": "17:30"}]
        for day in ("mon", "tue", "wed", "thu", "fri")
    },
    "rules": {
        "durations_minutes": [30, 45, 60], "buffer_before_minutes": 10, "buffer_after_minutes": 10,
        "min_notice_minutes": 240, "horizon_days": 30, "max_per_day": 4, "step_minutes": 30,
    },
}
DEMO_CLIENT = PartyInput(
    "Harry Manager", "harry@northwind.example", "Europe/London", organisation="Northwind Ltd"
)


async def start_demo(request: web.Request) -> web.Response:
    """`local` only: a demo interview with demo parties, and the two chat links to play it. The
    form's ``times`` says how: from the client's booking page (the default), or offered by hand."""
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise json_error(web.HTTPForbidden, "a demo can only be started from askARSAN's own page")
    form = await read_form(request)
    unknown = sorted(set(form) - {"times"})
    if unknown:
        raise json_error(web.HTTPBadRequest, f"unknown form fields: {', '.join(unknown)}")
    times = str(form.get("times") or TimesFrom.BOOKING_PAGE.value)
    if times not in (TimesFrom.BOOKING_PAGE.value, TimesFrom.OFFERED_BY_CLIENT.value):
        raise json_error(web.HTTPBadRequest, "'times' must be booking_page or offered_by_client")
    services = request.app[SERVICES]
    page = None
    if times == TimesFrom.BOOKING_PAGE.value:
        client_id = await services.availability.ensure_client(DEMO_CLIENT)
        current = await services.availability.page(client_id)
        if current is None:
            try:
                current = await services.availability.set_page(client_id, DEMO_PAGE, by="demo", first=True)
            except InvalidRequest:  # another demo set it a moment ago
                current = await services.availability.page(client_id)
        page = current[1] if current is not None else None
    existing = (await services.reports.pipeline_page(PipelineFilter())).total
    name, email, zone, role = demo_candidate(existing + 1)
    result = await services.scheduling.request_interview(
        InterviewRequest(
            recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
            client=DEMO_CLIENT,
            candidate=PartyInput(name, email, zone),
            role_title=role,
            duration_minutes=60,
            times_from=TimesFrom(times),
        )
    )
    return render(
        request.app[TEMPLATES],
        "demo_started.html",
        recruiter="Rita Recruiter",
        role=role,
        client="Harry Manager",
        client_zone="Europe/London",
        candidate=name,
        candidate_zone=zone,
        client_link=services.chat_link(result.client_token),
        candidate_link=services.chat_link(result.candidate_token),
        page=page.describe() if page is not None else None,
    )
