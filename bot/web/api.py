"""The JSON API for an ATS: request an interview, read its state. Bearer API key."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.web.http import SERVICES, json_error, read_json_object
from cards.i18n import supported_language
from scheduling.errors import DomainError
from scheduling.interview import Format
from scheduling.zones import zone
from services import RULE_DEFAULTS, InterviewRequest, InvalidRequest, PanelMember, PartyInput, TimesFrom
from services.identity import aad_object_id, aad_object_id_problem

API_KEY = web.AppKey("api_key", str)


def setup_api(app: web.Application, api_key: str) -> None:
    app[API_KEY] = api_key
    app.router.add_post("/api/v1/interviews", create_interview)
    app.router.add_get("/api/v1/interviews/{interview_id}", get_interview)
    # Imported here: the booking-page routes use this module's API key check.
    from bot.web.availability_api import setup_availability_api
    from bot.web.policy_api import setup_policy_api

    setup_availability_api(app)
    setup_policy_api(app)


def authorise(request: web.Request) -> None:
    """The request carries the API key (``Authorization: Bearer <key>``), else a 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise json_error(web.HTTPUnauthorized, "send the API key as 'Authorization: Bearer <key>'")
    # aiohttp hands on header bytes that are not UTF-8 as surrogate escapes; "surrogatepass"
    # encodes every code point, so no header (and no key) can make this raise.
    sent = key.encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(sent, request.app[API_KEY].encode("utf-8", "surrogatepass")):
        raise json_error(web.HTTPUnauthorized, "the API key is not valid")


# aad_object_id: the person's Microsoft Entra object id in the agency's directory (a member or a
# guest), so that they are reached in Teams (docs/architecture.md, "Reaching people").
PARTY_FIELDS = ("name", "email", "zone", "organisation", "aad_object_id", "language")
REQUEST_FIELDS = (
    "recruiter", "client", "candidate", "role_title", "duration_minutes", "format", "location",
    "deadline", "buffer_minutes", "min_notice_hours", "horizon_days", "times_from", "panel",
    "co_recruiters",
)
PANEL_FIELDS = (*PARTY_FIELDS, "required")
CO_RECRUITER_FIELDS = ("name", "email", "zone")


def _unknown_fields(
    data: dict[str, Any], known: tuple[str, ...], path: str, problems: dict[str, str]
) -> None:
    """Name every field askARSAN would not read: a misspelt rule is refused, never dropped."""
    for field in data:
        if field not in known:
            where = (f"{path}.{field}" if path else str(field))[:200]
            problems[where] = f"'{where}' is an unknown field; the fields read here are {', '.join(known)}"


def _whole(body: dict[str, Any], field: str, default: int, problems: dict[str, str]) -> int:
    value = body.get(field, default)
    if not isinstance(value, int) or isinstance(value, bool):
        problems[field] = f"'{field}' must be a whole number"
        return default
    return value


def _rule(body: dict[str, Any], field: str, problems: dict[str, str]) -> int | None:
    """A hand-offered times' rule the ATS set, or None when it left it out (the default)."""
    if body.get(field) is None:
        return None
    return _whole(body, field, 0, problems)


def _party(body: dict[str, Any], key: str, problems: dict[str, str]) -> PartyInput:
    data = body.get(key)
    if not isinstance(data, dict):
        problems[key] = f"'{key}' must be an object with name, email and zone"
        return PartyInput(name="", email=None, zone="UTC")
    _unknown_fields(data, PARTY_FIELDS, key, problems)
    def text(field: str) -> str:
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            problems[f"{key}_{field}"] = f"'{key}.{field}' must be a string"
            return ""
        return value or ""
    aad = data.get("aad_object_id")
    aad_problem = aad_object_id_problem(aad, f"'{key}.aad_object_id'")
    if aad_problem:
        problems[f"{key}_aad_object_id"] = aad_problem
    return PartyInput(
        name=text("name"), email=text("email") or None, zone=text("zone") or "UTC",
        organisation=text("organisation") or None,
        aad_object_id=None if aad_problem else aad_object_id(aad),
        language=supported_language(text("language")) or text("language") or None,
    )


def _panel(body: dict[str, Any], problems: dict[str, str]) -> tuple[PanelMember, ...]:
    """The interviewers beside the client contact: ``[{name, email, zone, organisation,
    required}]`` (required by default)."""
    data = body.get("panel")
    if data is None:
        return ()
    if not isinstance(data, list):
        problems["panel"] = "'panel' must be a list of interviewers, each with name, email and zone"
        return ()
    members: list[PanelMember] = []
    for index, item in enumerate(data[:50]):
        key = f"panel[{index}]"
        if not isinstance(item, dict):
            problems[key] = f"'{key}' must be an object with name, email and zone"
            continue
        required = item.get("required", True)
        if not isinstance(required, bool):
            problems[f"{key}.required"] = f"'{key}.required' must be true or false"
            required = True
        _unknown_fields(item, PANEL_FIELDS, key, problems)
        party = _party({key: {k: v for k, v in item.items() if k in PARTY_FIELDS}}, key, problems)
        members.append(PanelMember(party, required))
    return tuple(members)


def _co_recruiters(body: dict[str, Any], problems: dict[str, str]) -> tuple[PartyInput, ...]:
    """``co_recruiters``: recruiters beside the owner, ``[{name, email, zone}]`` (may be left out)."""
    items = body.get("co_recruiters")
    if items is None:
        return ()
    if not isinstance(items, list):
        problems["co_recruiters"] = "'co_recruiters' must be a list of objects with name, email and zone"
        return ()
    found: list[PartyInput] = []
    for index, item in enumerate(items[:50]):
        key = f"co_recruiters[{index}]"
        if not isinstance(item, dict):
            problems[key] = f"'{key}' must be an object with name, email and zone"
            continue
        _unknown_fields(item, CO_RECRUITER_FIELDS, key, problems)
        wrong = [f for f in CO_RECRUITER_FIELDS if item.get(f) is not None and not isinstance(item[f], str)]
        for field in wrong:
            problems[f"{key}.{field}"] = f"'{key}.{field}' must be a string"
        if not item.get("email") and "email" not in wrong:
            problems[f"{key}.email"] = f"'{key}.email' is required: co-recruiters are told by e-mail"
        if wrong:
            continue
        email = item.get("email") or ""
        if email and (email.count("@") != 1 or any(c.isspace() for c in email)):
            problems[f"{key}.email"] = f"'{key}.email' is not an e-mail address"
        try:
            zone(item.get("zone") or "UTC")
        except DomainError as error:
            problems[f"{key}.zone"] = f"'{key}.zone': {error.message}"
        found.append(PartyInput(name=item.get("name") or "", email=item.get("email") or None,
                                zone=item.get("zone") or "UTC"))
    return tuple(found)


def parse_request(body: dict[str, Any]) -> InterviewRequest:
    problems: dict[str, str] = {}
    _unknown_fields(body, REQUEST_FIELDS, "", problems)
    recruiter = _party(body, "recruiter", problems)
    client = _party(body, "client", problems)
    candidate = _party(body, "candidate", problems)
    panel = _panel(body, problems)
    co_recruiters = _co_recruiters(body, problems)
    role_title = body.get("role_title")
    if not isinstance(role_title, str):
        problems["role_title"] = "'role_title' must be a string"
        role_title = ""
    duration = _whole(body, "duration_minutes", 60, problems)
    rules: dict[str, Any] = {field: _rule(body, field, problems) for field in RULE_DEFAULTS}
    times_from = None
    if body.get("times_from") is not None:
        try:
            times_from = TimesFrom(body["times_from"])
        except (ValueError, TypeError):
            problems["times_from"] = (
                "'times_from' must be booking_page or offered_by_client (or left out: the "
                "client's booking page when they have one)"
            )
    format_value = body.get("format", "teams")
    try:
        interview_format = Format(format_value)
    except ValueError:
        problems["format"] = "'format' must be one of teams, on_site, phone"
        interview_format = Format.TEAMS
    location = body.get("location")
    if location is not None and not isinstance(location, str):
        problems["location"] = "'location' must be a string"
        location = None
    deadline = None
    if body.get("deadline") is not None:
        try:
            deadline = datetime.fromisoformat(str(body["deadline"]))
            if deadline.tzinfo is None:
                raise ValueError
            deadline = deadline.astimezone(UTC)
        except (ValueError, OverflowError):
            problems["deadline"] = "'deadline' must be an ISO 8601 time with an offset"
    if problems:
        raise InvalidRequest(problems)
    return InterviewRequest(
        recruiter=recruiter, client=client, candidate=candidate, role_title=role_title,
        duration_minutes=duration, format=interview_format, location=location, deadline=deadline,
        times_from=times_from, panel=panel, co_recruiters=co_recruiters,
        buffer_minutes=rules["buffer_minutes"], min_notice_hours=rules["min_notice_hours"],
        horizon_days=rules["horizon_days"],
    )


async def create_interview(request: web.Request) -> web.Response:
    authorise(request)
    body = await read_json_object(request)
    services = request.app[SERVICES]
    try:
        result = await services.scheduling.request_interview(parse_request(body))
    except InvalidRequest as error:
        raise json_error(
            web.HTTPUnprocessableEntity, error.message, problems=error.problems
        ) from None
    return web.json_response(
        {
            "id": result.interview_id,
            "client_id": result.client_id,
            "candidate_id": result.candidate_id,
            "times_from": "booking_page" if result.from_page else "offered_by_client",
            "links": {
                "client": services.chat_link(result.client_token),
                "candidate": services.chat_link(result.candidate_token),
            },
        },
        status=201,
    )


async def get_interview(request: web.Request) -> web.Response:
    authorise(request)
    interview_id = request.match_info["interview_id"]
    view = await request.app[SERVICES].scheduling.view(interview_id) if len(interview_id) <= 64 else None
    if view is None:
        raise json_error(web.HTTPNotFound, "no interview with that id")
    return web.json_response(
        {
            "id": view.id,
            "stage": view.stage.value,
            "role_title": view.role_title,
            "format": view.format.value,
            "duration_minutes": int(view.duration.total_seconds() // 60),
            "client_id": view.client.id,
            "candidate_id": view.candidate.id,
            "times_from": "offered_by_client" if view.page_version is None else "booking_page",
            "page_version": view.page_version,
            "client": {"name": view.client.name, "zone": view.client.zone},
            "candidate": {"name": view.candidate.name, "zone": view.candidate.zone},
            "interviewers": [
                {"id": seat.party.id, "name": seat.party.name, "zone": seat.party.zone,
                 "required": seat.required, "attending": seat.attending}
                for seat in view.interviewers
            ],
            "slots": [
                {"id": s.id, "start": s.interval.start.isoformat(), "end": s.interval.end.isoformat()}
                for s in view.slots
            ],
            "booking": (
                {"start": view.booked.start.isoformat(), "end": view.booked.end.isoformat()}
                if view.booked
                else None
            ),
        }
    )
