"""The JSON API's client policies: an ATS reads and sets a client contact's overrides of the
agency's policy (reminder times, reschedule cutoff and cap, escalation and feedback windows and
counts). Same Bearer API key as the rest of ``/api/v1``.

``PUT /api/v1/clients/{client_id}/policy`` takes the fields to override (durations as text such
as "24h" or lists such as "24h, 1h" or ["24h", "1h"], the cap as a number; a field left out is
the agency's) and the ``version`` read (0 when there were none; left out: replace whatever is
there). Every bad or unknown field is a 422 naming it, with nothing stored; a policy changed
since the version read is a 409. Both answers carry the agency's policy, the overrides and the
policy that results. A change applies to interviews requested after it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.api import authorise
from bot.web.http import SERVICES, json_error, read_json_object
from services import InvalidRequest, NotFound
from services.client_policy import PolicyChanged

PATH = "/api/v1/clients/{client_id}/policy"


def setup_policy_api(app: web.Application) -> None:
    app.router.add_put(PATH, put_policy)
    app.router.add_get(PATH, get_policy)


async def _answer(request: web.Request, client_id: str) -> web.Response:
    view = await request.app[SERVICES].policies.of(client_id)
    body: dict[str, Any] = {
        "client_id": client_id,
        "version": view.version or 0,
        "overrides": view.overrides,
        "agency": view.agency,
        "policy": view.effective,
    }
    return web.json_response(body)


async def put_policy(request: web.Request) -> web.Response:
    authorise(request)
    client_id = request.match_info["client_id"]
    body = await read_json_object(request)
    policies = request.app[SERVICES].policies
    try:
        await policies.set(client_id, body, by="api")
    except NotFound as error:
        raise json_error(web.HTTPNotFound, error.message) from None
    except InvalidRequest as error:
        stale = isinstance(error, PolicyChanged)
        raise json_error(
            web.HTTPConflict if stale else web.HTTPUnprocessableEntity,
            "the policy was not stored: "
            + ("it changed since the version you read" if stale else "fix the fields named"),
            problems=error.problems,
        ) from None
    return await _answer(request, client_id)


async def get_policy(request: web.Request) -> web.Response:
    authorise(request)
    client_id = request.match_info["client_id"]
    try:
        return await _answer(request, client_id)
    except NotFound as error:
        raise json_error(web.HTTPNotFound, error.message) from None
