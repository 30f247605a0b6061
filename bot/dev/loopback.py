"""A loopback stand-in for the Bot Connector service (Teams / Azure Bot Service).

Used by `askarsan demo` (which prints what each party receives) and by the tests.

It speaks the Connector REST API's wire format (v3): replies and sends are
`POST /v3/conversations/{id}/activities[/{replyToId}]`, updates are `PUT .../{activityId}`,
new conversations are `POST /v3/conversations`. It records what it receives and can answer 429
with `Retry-After` to test throttling. Teams' member profiles (`TeamsInfo.get_member`) are
`GET /v3/conversations/{id}/members/{userId}`, for the people added with `add_member`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    method: str
    path: str
    conversation_id: str
    body: dict[str, Any]
    authorization: str | None


@dataclass
class FakeConnector:
    received: list[Received] = field(default_factory=list)
    throttle_next: int = 0
    retry_after: str = "1"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    server: TestServer | None = None
    on_receive: Callable[[Received], None] | None = None
    # Teams' member profiles by Teams user id (`add_member`), and the lookups made of them.
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: list[tuple[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/")).rstrip("/") + "/"

    def activities(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        return [
            r.body
            for r in self.received
            if r.path.endswith("/activities") or "/activities/" in r.path
            if conversation_id is None or r.conversation_id == conversation_id
        ]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [a.get("text") or "" for a in self.activities(conversation_id)]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_post("/v3/conversations", self._create)
        self._member_routes(app)
        return app

    async def _throttled(self) -> web.Response | None:
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return web.json_response(
                {"error": {"code": "TooManyRequests", "message": "throttled"}},
                status=429,
                headers={"Retry-After": self.retry_after},
            )
        return None

    async def _send(self, request: web.Request) -> web.Response:
        throttled = await self._throttled()
        if throttled is not None:
            return throttled
        body = await request.json()
        received = Received(
            request.method,
            request.path,
            request.match_info["cid"],
            body,
            request.headers.get("Authorization"),
        )
        self.received.append(received)
        if self.on_receive is not None:
            self.on_receive(received)
        return web.json_response({"id": f"act-{next(self._ids)}"})

    async def _create(self, request: web.Request) -> web.Response:
        throttled = await self._throttled()
        if throttled is not None:
            return throttled
        body = await request.json()
        cid = f"conv-{next(self._ids)}"
        self.received.append(
            Received("POST", request.path, cid, body, request.headers.get("Authorization"))
        )
        return web.json_response({"id": cid, "activityId": f"act-{next(self._ids)}"})

    # Member profiles ---------------------------------------------------------------------------

    def add_member(
        self,
        user_id: str,
        *,
        name: str,
        aad_object_id: str,
        tenant_id: str,
        email: str | None = None,
        user_principal_name: str | None = None,
        user_role: str = "user",
    ) -> dict[str, Any]:
        """A Teams user whose member profile the connector gives, as Teams' TeamsChannelAccount
        (``userRole`` is "guest" for a guest); returns it."""
        given, _, surname = name.partition(" ")
        profile = {
            "id": user_id,
            "name": name,
            "aadObjectId": aad_object_id,
            "objectId": aad_object_id,  # the Teams REST reference's name for the same id
            "givenName": given,
            "surname": surname,
            "email": email,
            "userPrincipalName": user_principal_name,
            "tenantId": tenant_id,
            "userRole": user_role,
        }
        self.members[user_id] = {k: v for k, v in profile.items() if v is not None}
        return self.members[user_id]

    def _member_routes(self, app: web.Application) -> None:
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)

    async def _member(self, request: web.Request) -> web.Response:
        """One member's profile; Teams takes the user's Teams id or their Entra object id."""
        throttled = await self._throttled()
        if throttled is not None:
            return throttled
        cid, uid = request.match_info["cid"], request.match_info["uid"]
        self.member_lookups.append((cid, uid))
        for profile in self.members.values():
            if uid in (profile["id"], profile["aadObjectId"]):
                return web.json_response(profile)
        return web.json_response(
            {"error": {"code": "MemberNotFoundInConversation", "message": "Member not found."}},
            status=404,
        )

    async def start(self) -> FakeConnector:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
