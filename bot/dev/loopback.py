"""A loopback stand-in for the Bot Connector service (Teams / Azure Bot Service).

Used by `askarsan demo` (which prints what each party receives) and by the tests.

It speaks the Connector REST API's wire format (v3): replies and sends are
`POST /v3/conversations/{id}/activities[/{replyToId}]`, updates are `PUT .../{activityId}`,
new conversations are `POST /v3/conversations`. It records what it receives and can answer 429
with `Retry-After` to test throttling. Teams' member profiles (`TeamsInfo.get_member`) are
`GET /v3/conversations/{id}/members/{userId}`, for the people added with `add_member`. A team's
roster (`TeamsInfo.get_paged_team_members`) is `GET /v3/conversations/{teamId}/pagedmembers`, for
the teams made with `add_team` (any other team answers 404). A new conversation in a channel
(`isGroup`, `channelData.channel.id`) answers as Teams does, with the thread's id
`<channel id>;messageid=<root id>`; replies into it are recorded with their `replyToId`.
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
    # Teams teams' rosters by team id (`add_team`): Teams user ids, in order.
    teams: dict[str, list[str]] = field(default_factory=dict)
    roster_page: int = 2

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
        activity_id = f"act-{next(self._ids)}"
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        if body.get("isGroup") and channel:
            cid = f"{channel};messageid={activity_id}"  # Teams names the new thread so
        received = Received("POST", request.path, cid, body, request.headers.get("Authorization"))
        self.received.append(received)
        if self.on_receive is not None:
            self.on_receive(received)
        return web.json_response({"id": cid, "activityId": activity_id})

    def channel_posts(self, channel_id: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        """What was posted in a Teams channel, in order: (the conversation id it went to, its
        `replyToId`, the activity). A thread's root is a new conversation (its activity inside
        the create call's body), every reply names the thread and its root."""
        posts: list[tuple[str, str | None, dict[str, Any]]] = []
        for r in self.received:
            if r.conversation_id.split(";")[0] != channel_id:
                continue
            if r.path == "/v3/conversations":
                posts.append((r.conversation_id, None, r.body.get("activity") or {}))
            elif "/activities" in r.path:
                posts.append((r.conversation_id, r.body.get("replyToId"), r.body))
        return posts

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

    def add_team(self, team_id: str, user_ids: list[str]) -> None:
        """A Teams team whose roster is these members (each added with `add_member`)."""
        self.teams[team_id] = list(user_ids)

    def _member_routes(self, app: web.Application) -> None:
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)

    async def _paged_members(self, request: web.Request) -> web.Response:
        """A page of a team's roster, Teams' TeamsPagedMembersResult: `members` and, while more
        follow, a `continuationToken`."""
        throttled = await self._throttled()
        if throttled is not None:
            return throttled
        cid = request.match_info["cid"]
        self.member_lookups.append((cid, "*"))
        if cid not in self.teams:
            return web.json_response(
                {"error": {"code": "NotFound", "message": "Team not found."}}, status=404
            )
        start = int(request.query.get("continuationToken") or 0)
        size = min(int(request.query.get("pageSize") or self.roster_page), self.roster_page)
        ids = self.teams[cid]
        page = [self.members[u] for u in ids[start:start + size] if u in self.members]
        answer: dict[str, Any] = {"members": page}
        if start + size < len(ids):
            answer["continuationToken"] = str(start + size)
        return web.json_response(answer)

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
