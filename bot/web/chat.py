"""The chat page for candidates and clients, opened from an invitation link.

    GET  /chat?t=<invitation token>   shows the page (changes nothing: mail scanners open links)
    POST /chat/session                {"invitation": token} -> a Direct Line token for Web Chat
    GET  /static/vendor/webchat.js    Microsoft's Web Chat bundle from node_modules (not committed)

Locally the token is one of our own Direct Line endpoint's (bot/directline.py), for the
invitation's conversation (reopening the link resumes it). With `DIRECTLINE_SECRET` set
(production) the server exchanges the secret with Azure Direct Line for a per-invitation token
whose user id is the invitation's web chat user, and the page talks to Azure.

Failed exchanges are rate-limited per client address (in-process, per instance): after
`FAILURES_PER_MINUTE` failures in a minute every exchange from that address gets 429 until the
window moves on.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.directline.server import DIRECTLINE, public_domain
from bot.runtime import RUNTIME
from bot.web.http import json_error, read_json_object, render
from services.invitations import InvitationGrant, InvitationInvalid, resolve_invitation
from storage import directline as store

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # the source checkout, where `make install` puts node_modules
WEBCHAT_BUNDLE = ROOT / "node_modules" / "botframework-webchat" / "dist" / "webchat.js"
AZURE_DIRECTLINE_BASE_URL = "https://directline.botframework.com/v3/directline"
FAILURES_PER_MINUTE = 10
WINDOW_SECONDS = 60.0
SESSION_BODY_LIMIT = 4096
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the invitation token is in the page's URL
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


class FailureLimiter:
    """Failed attempts per client address over a sliding window."""

    def __init__(self, limit: int = FAILURES_PER_MINUTE, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        entries = self._failures.get(key)
        if entries is None:
            return deque()
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return entries

    def retry_after(self, key: str, now: float | None = None) -> int | None:
        """Seconds to wait when `key` is over the limit, else None."""
        current = time.monotonic() if now is None else now
        entries = self._recent(key, current)
        if len(entries) < self.limit:
            return None
        return max(1, int(entries[0] + self.window - current) + 1)

    def record(self, key: str, now: float | None = None) -> None:
        current = time.monotonic() if now is None else now
        if len(self._failures) > 50_000:  # a flood from many addresses: forget the oldest half
            for stale in list(self._failures)[: len(self._failures) // 2]:
                del self._failures[stale]
        self._failures.setdefault(key, deque()).append(current)


class AzureDirectLineError(Exception):
    """Azure Direct Line did not give us a token."""


async def azure_generate_token(
    base_url: str, secret: str, user_id: str, *, timeout_seconds: float = 10.0
) -> dict[str, Any]:
    """`POST {base}/tokens/generate` with the Direct Line secret: a token for one conversation,
    bound to `user_id` (Azure then refuses activities from any other user id)."""
    url = base_url.rstrip("/") + "/tokens/generate"
    timeout = aiohttp.ClientTimeout(total=timeout_seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http, http.post(
            url,
            json={"user": {"id": user_id}},
            headers={"Authorization": f"Bearer {secret}"},
        ) as response:
            if response.status != 200:
                raise AzureDirectLineError(f"Direct Line answered {response.status}")
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise AzureDirectLineError(type(error).__name__) from None
    if not isinstance(body, dict) or not body.get("token") or not body.get("conversationId"):
        raise AzureDirectLineError("Direct Line's answer has no token")
    return body


@dataclass
class ChatConfig:
    directline_secret: str = ""
    directline_base_url: str = AZURE_DIRECTLINE_BASE_URL
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    bundle: Path = WEBCHAT_BUNDLE


CHAT = web.AppKey("chat", ChatConfig)


def _client_address(request: web.Request) -> str:
    # The peer address, not X-Forwarded-For: a client could name any address there. Behind a
    # reverse proxy, configure it to pass the real address (aiohttp-remotes) before trusting it.
    return request.remote or "unknown"


async def chat_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    config = request.app[CHAT]
    bundle_ready = config.bundle.is_file()
    response = render(
        runtime.templates,
        "chat.html",
        bundle_ready=bundle_ready,
        has_token=bool(request.query.get("t")),
    )
    response.headers.update(PAGE_HEADERS)
    return response


async def webchat_bundle(request: web.Request) -> web.StreamResponse:
    config = request.app[CHAT]
    if not config.bundle.is_file():
        raise web.HTTPNotFound(
            text="// Web Chat is not installed: run `make install` (needs Node.js 20+ and npm).\n",
            content_type="application/javascript",
        )
    return web.FileResponse(
        config.bundle,
        headers={"Cache-Control": "public, max-age=3600", "Content-Type": "application/javascript"},
    )


async def _local_session(request: web.Request, grant: InvitationGrant) -> dict[str, Any]:
    service = request.app[DIRECTLINE]
    async with service.runtime.sessions() as session:
        conversation = await store.conversation_for_invitation(
            session,
            invitation_id=grant.invitation_id,
            user_id=grant.webchat_user_id,
            new_id=secrets.token_urlsafe(18),
            now=datetime.now(UTC),
        )
    token = service.conversation_token(conversation.id, grant.invitation_id, grant.webchat_user_id)
    return {
        "token": token,
        "conversationId": conversation.id,
        "domain": public_domain(request),
        "userId": grant.webchat_user_id,
        "expires_in": service.token_ttl,
    }


async def _azure_session(config: ChatConfig, grant: InvitationGrant) -> dict[str, Any]:
    try:
        answer = await azure_generate_token(
            config.directline_base_url, config.directline_secret, grant.webchat_user_id
        )
    except AzureDirectLineError as error:
        log.warning("Azure Direct Line token exchange failed: %s", error)
        raise json_error(
            web.HTTPBadGateway, "The chat service is not reachable right now. Please try again shortly."
        ) from None
    return {
        "token": answer["token"],
        "conversationId": answer["conversationId"],
        "domain": config.directline_base_url.rstrip("/"),
        "userId": grant.webchat_user_id,
        "expires_in": int(answer.get("expires_in") or 1800),
    }


async def create_session(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    config = request.app[CHAT]
    client = _client_address(request)
    wait = config.limiter.retry_after(client)
    if wait is not None:
        raise web.HTTPTooManyRequests(
            text='{"error": "Too many failed attempts. Please wait a minute and try again."}',
            content_type="application/json",
            headers={"Retry-After": str(wait)},
        )
    try:
        body = await read_json_object(request, SESSION_BODY_LIMIT)
    except web.HTTPException:
        config.limiter.record(client)
        raise
    token = body.get("invitation")
    if not isinstance(token, str) or not token:
        config.limiter.record(client)
        raise json_error(web.HTTPBadRequest, "the body must be {\"invitation\": \"<token from the link>\"}")
    try:
        async with runtime.sessions() as session:
            grant = await resolve_invitation(session, token, datetime.now(UTC))
    except InvitationInvalid as error:
        config.limiter.record(client)
        raise json_error(web.HTTPForbidden, str(error)) from None
    if config.directline_secret:
        answer = await _azure_session(config, grant)
    else:
        answer = await _local_session(request, grant)
    response = web.json_response(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def setup_chat(
    app: web.Application,
    *,
    directline_secret: str | None = None,
    directline_base_url: str | None = None,
    limiter: FailureLimiter | None = None,
    bundle: Path | None = None,
) -> None:
    """Mount the chat page. Locally it needs `setup_directline(app)` first."""
    settings = app[RUNTIME].settings
    secret = directline_secret
    if secret is None:
        configured: Any = getattr(settings, "directline_secret", None)
        if hasattr(configured, "get_secret_value"):
            configured = configured.get_secret_value()
        secret = str(configured or "")
    config = ChatConfig(
        directline_secret=secret,
        directline_base_url=directline_base_url
        or str(getattr(settings, "directline_base_url", "") or AZURE_DIRECTLINE_BASE_URL),
        limiter=limiter or FailureLimiter(),
        bundle=bundle or WEBCHAT_BUNDLE,
    )
    if not config.directline_secret and DIRECTLINE not in app:
        raise RuntimeError("call setup_directline(app) before setup_chat(app), or set DIRECTLINE_SECRET")
    app[CHAT] = config
    app.router.add_get("/chat", chat_page)
    app.router.add_post("/chat/session", create_session)
    app.router.add_get("/static/vendor/webchat.js", webchat_bundle)


__all__ = ["CHAT", "ChatConfig", "FailureLimiter", "azure_generate_token", "setup_chat"]
