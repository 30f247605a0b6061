"""The JSON API's booking pages: an ATS sets a client contact's availability once and reads it back,
so candidates can book from it. Same Bearer API key as the rest of ``/api/v1``.

``PUT /api/v1/clients/{client_id}/availability`` takes the page's plain-dict form
(``scheduling.pages``) and stores it as the next version; every bad or unknown field is a 422
naming its path, with nothing stored. Both answers carry the next open times (UTC) of the page's
shortest interview length, minus the client's booked interviews.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from aiohttp import web

from bot.web.api import authorise
from bot.web.http import SERVICES, json_error, read_json_object
from scheduling.pages import BookingPage
from services import InvalidRequest, NotFound
from services.availability import preview_length

PATH = "/api/v1/clients/{client_id}/availability"


def setup_availability_api(app: web.Application) -> None:
    app.router.add_put(PATH, put_availability)
    app.router.add_get(PATH, get_availability)


async def _answer(request: web.Request, client_id: str, version: int, page: BookingPage) -> web.Response:
    times = await request.app[SERVICES].availability.preview(client_id, of=page)
    body: dict[str, Any] = {
        "client_id": client_id,
        "version": version,
        "page": page.to_dict(),
        "next_open_times": [t.start.astimezone(UTC).isoformat() for t in times],
        "preview_duration_minutes": preview_length(page) // timedelta(minutes=1),
    }
    return web.json_response(body)


async def put_availability(request: web.Request) -> web.Response:
    authorise(request)
    client_id = request.match_info["client_id"]
    body = await read_json_object(request)
    try:
        version, page = await request.app[SERVICES].availability.set_page(client_id, body, by="api")
    except NotFound as error:
        raise json_error(web.HTTPNotFound, error.message) from None
    except InvalidRequest as error:
        raise json_error(
            web.HTTPUnprocessableEntity, "the booking page was not stored: fix the fields named",
            problems=error.problems,
        ) from None
    return await _answer(request, client_id, version, page)


async def get_availability(request: web.Request) -> web.Response:
    authorise(request)
    client_id = request.match_info["client_id"]
    try:
        latest = await request.app[SERVICES].availability.page(client_id)
    except NotFound as error:
        raise json_error(web.HTTPNotFound, error.message) from None
    if latest is None:
        raise json_error(web.HTTPNotFound, "no booking page yet: PUT one to this address")
    return await _answer(request, client_id, *latest)
