"""The landing page, health, and (locally) the demo interview that gives the two chat links."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot import __version__
from bot.web.http import SERVICES, SETTINGS, STATIC, TEMPLATES, json_error, render
from services import InterviewRequest, PartyInput


def setup_pages(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", landing)
    if app[SETTINGS].is_local:
        app.router.add_post("/demo", start_demo)
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


async def start_demo(request: web.Request) -> web.Response:
    """`local` only: a demo interview with demo parties, and the two chat links to play it."""
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise json_error(web.HTTPForbidden, "a demo can only be started from askARSAN's own page")
    services = request.app[SERVICES]
    result = await services.scheduling.request_interview(
        InterviewRequest(
            recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
            client=PartyInput(
                "Harry Manager", "harry@northwind.example", "Europe/London", organisation="Northwind Ltd",
            ),
            candidate=PartyInput("Asha Rao", "asha@example.org", "Asia/Kolkata"),
            role_title="Senior Data Engineer",
        )
    )
    return render(
        request.app[TEMPLATES],
        "demo_started.html",
        recruiter="Rita Recruiter",
        role="Senior Data Engineer",
        client="Harry Manager",
        client_zone="Europe/London",
        candidate="Asha Rao",
        candidate_zone="Asia/Kolkata",
        client_link=services.chat_link(result.client_token),
        candidate_link=services.chat_link(result.candidate_token),
    )
