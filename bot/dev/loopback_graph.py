"""A loopback stand-in for Microsoft Graph (calendars and mail), speaking its wire format.

- ``POST /v1.0/users/{id}/calendar/getSchedule`` — busy items of the known mailboxes, plus the
  live events each one organises (with the event's ``showAs``: ``busy``, or ``tentative`` for a hold);
- ``POST /v1.0/users/{id}/events`` (a repeated ``transactionId`` returns the event already made, as
  Graph does), ``GET``/``PATCH .../events/{id}``, ``POST .../events/{id}/cancel`` (the event leaves
  the calendar; afterwards it is 404, as in Exchange), ``DELETE .../events/{id}`` (204; the event is
  gone, and a second delete is 404);
- ``POST /v1.0/users/{id}/sendMail`` (202, no body).

Responses are camelCase JSON with ``@odata.context``; date-times have seven fractional digits and
a separate ``timeZone``, as Graph writes them. Request bodies are read case-insensitively, as Graph
reads them (the SDK sends PascalCase keys to actions such as getSchedule, sendMail and cancel);
``requests`` keeps each raw body so tests can check what went over the wire. Errors are OData error
bodies ``{"error": {"code", "message"}}``. :meth:`FakeGraph.fail` scripts 429/503s with
``Retry-After``, optionally after doing the work (a response lost on the way back).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

TOKEN = "fake-graph-token"  # noqa: S105 - the stand-in's own token, not a secret


@dataclass
class GraphRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    status: int
    times: int
    retry_after: str | None
    code: str
    path_contains: str | None
    after_work: bool


@dataclass
class StoredEvent:
    id: str
    organizer: str
    data: dict[str, Any]
    cancelled: bool = False
    cancel_comment: str | None = None
    deleted: bool = False


def ci(body: Any, key: str) -> Any:
    """A property of a request body, case-insensitively (Graph accepts any case)."""
    if not isinstance(body, dict):
        return None
    for k, v in body.items():
        if k.lower() == key.lower():
            return v
    return None


def graph_time(dt: datetime) -> dict[str, str]:
    return {"dateTime": dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


def parse_graph_time(value: Any) -> datetime:
    text = str(ci(value, "dateTime"))
    zone = str(ci(value, "timeZone") or "UTC")
    assert zone == "UTC", f"the fake only speaks UTC, got {zone}"
    head, _, fraction = text.partition(".")
    return datetime.fromisoformat(head + (f".{fraction[:6]}" if fraction else "")).replace(tzinfo=UTC)


def odata_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "innerError": {"request-id": "fake"}}},
        status=status,
        headers=headers,
    )


@dataclass
class FakeGraph:
    requests: list[GraphRequest] = field(default_factory=list)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    schedule_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    schedule_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    availability_view_only: set[str] = field(default_factory=set)
    join_url_late: bool = False
    token: str = TOKEN
    server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # Setup ---------------------------------------------------------------------------------

    def add_mailbox(self, address: str) -> None:
        self.schedule_items.setdefault(address.lower(), [])

    def add_item(self, mailbox: str, start: datetime, end: datetime, status: str = "busy") -> None:
        self.schedule_items.setdefault(mailbox.lower(), []).append(
            {
                "isPrivate": False,
                "status": status,
                "subject": "Something private",
                "location": "",
                "isMeeting": False,
                "isRecurring": False,
                "isException": False,
                "isReminderSet": False,
                "start": graph_time(start),
                "end": graph_time(end),
            }
        )

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        code: str | None = None,
        path_contains: str | None = None,
        after_work: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (an OData error).

        With ``after_work`` the request is carried out first and only the answer is replaced: the
        client sees a failure for something that happened.
        """
        default_code = {429: "TooManyRequests", 503: "ServiceNotAvailable", 504: "GatewayTimeout"}
        self.faults.append(
            Fault(status, times, retry_after, code or default_code.get(status, "ErrorInternalServerError"),
                  path_contains, after_work)
        )

    # Queries -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1.0")).rstrip("/")

    def calls(self, method: str, path_suffix: str) -> list[GraphRequest]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    def live_events(self) -> list[StoredEvent]:
        return [e for e in self.events.values() if not (e.cancelled or e.deleted)]

    # Server --------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v1.0/users/{user}/calendar/getSchedule", self._get_schedule)
        app.router.add_post("/v1.0/users/{user}/events", self._create_event)
        app.router.add_get("/v1.0/users/{user}/events/{event}", self._get_event)
        app.router.add_patch("/v1.0/users/{user}/events/{event}", self._update_event)
        app.router.add_delete("/v1.0/users/{user}/events/{event}", self._delete_event)
        app.router.add_post("/v1.0/users/{user}/events/{event}/cancel", self._cancel_event)
        app.router.add_post("/v1.0/users/{user}/sendMail", self._send_mail)
        return app

    async def start(self) -> FakeGraph:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.requests.append(GraphRequest(request.method, request.path, dict(request.headers), body))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return odata_error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        fault = next(
            (
                f for f in self.faults
                if f.times > 0 and (f.path_contains is None or f.path_contains in request.path)
            ),
            None,
        )
        if fault is not None:
            fault.times -= 1
            if fault.after_work:
                await handler(request)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
            return odata_error(fault.status, fault.code, "Fake Graph fault.", headers)
        response: web.StreamResponse = await handler(request)
        return response

    def _known(self, user: str) -> bool:
        return user.lower() in self.schedule_items

    async def _get_schedule(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        if not self._known(user):
            return odata_error(404, "ErrorInvalidUser", "The requested user is invalid.")
        body = self.requests[-1].body
        start = parse_graph_time(ci(body, "startTime"))
        end = parse_graph_time(ci(body, "endTime"))
        interval = int(ci(body, "availabilityViewInterval") or 30)
        value = []
        for schedule in ci(body, "schedules") or []:
            mailbox = str(schedule).lower()
            if mailbox in self.schedule_errors:
                value.append({"scheduleId": schedule, "error": self.schedule_errors[mailbox]})
                continue
            if not self._known(mailbox):
                value.append(
                    {"scheduleId": schedule,
                     "error": {"message": "The mailbox was not found.",
                               "responseCode": "ErrorMailboxNotFound"}}
                )
                continue
            items = [*self.schedule_items[mailbox], *self._event_items(mailbox)]
            items = [
                i for i in items
                if parse_graph_time(i["start"]) < end and start < parse_graph_time(i["end"])
            ]
            entry: dict[str, Any] = {
                "scheduleId": schedule,
                "availabilityView": self._view(items, start, end, interval),
                "workingHours": {"daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                                 "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000",
                                 "timeZone": {"name": "UTC"}},
            }
            if mailbox not in self.availability_view_only:
                entry["scheduleItems"] = items
            value.append(entry)
        return web.json_response(
            {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
             "value": value}
        )

    def _event_items(self, mailbox: str) -> list[dict[str, Any]]:
        return [
            {"isPrivate": False, "status": e.data.get("showAs", "busy"), "subject": e.data.get("subject"),
             "isMeeting": True, "start": e.data["start"], "end": e.data["end"]}
            for e in self.live_events()
            if e.organizer == mailbox
        ]

    @staticmethod
    def _view(items: list[dict[str, Any]], start: datetime, end: datetime, minutes: int) -> str:
        digits = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
        view = []
        cursor = start
        step = (end - start) / max(1, round((end - start).total_seconds() / 60 / minutes))
        while cursor < end:
            slot_end = cursor + step
            overlapping = [
                digits.get(item["status"], "2")
                for item in items
                if parse_graph_time(item["start"]) < slot_end and cursor < parse_graph_time(item["end"])
            ]
            blocking = [d for d in overlapping if d not in ("0", "4")]
            found = max(blocking) if blocking else ("4" if "4" in overlapping else "0")
            view.append(found)
            cursor = slot_end
        return "".join(view)

    def _event_json(self, event: StoredEvent, *, with_meeting: bool = True) -> dict[str, Any]:
        data = dict(event.data)
        data["@odata.context"] = (
            f"https://graph.microsoft.com/v1.0/$metadata#users('{event.organizer}')/events/$entity"
        )
        data["id"] = event.id
        if not (data.get("isOnlineMeeting") and with_meeting):
            data["onlineMeeting"] = None
        return data

    async def _create_event(self, request: web.Request) -> web.Response:
        user = request.match_info["user"].lower()
        if not self._known(user):
            return odata_error(404, "ErrorInvalidUser", "The requested user is invalid.")
        body = self.requests[-1].body
        transaction_id = ci(body, "transactionId")
        if transaction_id:
            for existing in self.events.values():
                if existing.organizer == user and existing.data.get("transactionId") == transaction_id:
                    return web.json_response(self._event_json(existing), status=201)
        event_id = f"AAMkAGFake{next(self._ids):04d}="
        data: dict[str, Any] = {
            "transactionId": transaction_id,
            "subject": ci(body, "subject"),
            "body": ci(body, "body"),
            "start": ci(body, "start"),
            "end": ci(body, "end"),
            "location": ci(body, "location") or {"displayName": ""},
            "attendees": [
                {**a, "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}}
                for a in ci(body, "attendees") or []
            ],
            "isOnlineMeeting": bool(ci(body, "isOnlineMeeting")),
            "onlineMeetingProvider": ci(body, "onlineMeetingProvider") or "unknown",
            "allowNewTimeProposals": ci(body, "allowNewTimeProposals"),
            "showAs": ci(body, "showAs") or "busy",
            "isReminderOn": ci(body, "isReminderOn") is not False,  # Graph's default: on
            "organizer": {"emailAddress": {"address": user, "name": user}},
            "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}",
        }
        if data["isOnlineMeeting"]:
            data["onlineMeeting"] = {
                "joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{event_id[:-1]}%40thread.v2/0"
            }
        event = StoredEvent(event_id, user, data)
        self.events[event_id] = event
        return web.json_response(self._event_json(event, with_meeting=not self.join_url_late), status=201)

    def _find(self, request: web.Request) -> StoredEvent | None:
        event = self.events.get(request.match_info["event"])
        if (
            event is None or event.cancelled or event.deleted
            or event.organizer != request.match_info["user"].lower()
        ):
            return None
        return event

    async def _get_event(self, request: web.Request) -> web.Response:
        event = self._find(request)
        if event is None:
            return odata_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return web.json_response(self._event_json(event))

    async def _update_event(self, request: web.Request) -> web.Response:
        event = self._find(request)
        if event is None:
            return odata_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        body = self.requests[-1].body or {}
        for key in ("subject", "body", "start", "end", "location", "attendees", "showAs"):
            value = ci(body, key)
            if value is not None:
                event.data[key] = value
        return web.json_response(self._event_json(event))

    async def _cancel_event(self, request: web.Request) -> web.Response:
        event = self._find(request)
        if event is None:
            return odata_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        event.cancelled = True
        event.cancel_comment = ci(self.requests[-1].body, "comment")
        return web.Response(status=202)

    async def _delete_event(self, request: web.Request) -> web.Response:
        event = self._find(request)
        if event is None:
            return odata_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        event.deleted = True
        return web.Response(status=204)

    async def _send_mail(self, request: web.Request) -> web.Response:
        user = request.match_info["user"].lower()
        if not self._known(user):
            return odata_error(404, "ErrorInvalidUser", "The requested user is invalid.")
        body = self.requests[-1].body
        message = ci(body, "message")
        if not message or not ci(message, "toRecipients"):
            return odata_error(400, "ErrorInvalidRecipients", "At least one recipient is not valid.")
        self.sent.append({"sender": user, "message": message, "saveToSentItems": ci(body, "saveToSentItems")})
        return web.Response(status=202)
