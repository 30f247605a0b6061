"""The chat page for candidates and clients, opened from an invitation link.

    GET  /chat?t=<invitation token>   shows the page (changes nothing: mail scanners open links)
    POST /chat/session                {"invitation": token} -> a Direct Line token for Web Chat
    GET  /static/vendor/webchat.js    Microsoft's Web Chat bundle from node_modules (not committed)

Where Web Chat's session comes from is a `ChatChannel`, chosen by the composition root: the
built-in Direct Line endpoint (``bot/directline``: a token for the invitation's conversation;
reopening the link resumes it), or, with `DIRECTLINE_SECRET` set, Azure Direct Line
(`AzureDirectLine`: the server exchanges the secret for a per-invitation token whose user id is
the invitation's web chat user, and the page talks to Azure).

Failed exchanges are rate-limited per client address (``FailureLimiter``, in-process, per
instance): after 10 failures in a minute every exchange from that address gets 429 until the
window moves on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from bot.web.http import (
    SERVICES,
    TEMPLATES,
    FailureLimiter,
    client_address,
    json_error,
    read_json_object,
    render,
)
from cards.i18n import DEFAULT_LANGUAGE, supported_language, translations
from services import InvitationGrant, InvitationInvalid

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # the source checkout, where `make install` puts node_modules
WEBCHAT_BUNDLE = ROOT / "node_modules" / "botframework-webchat" / "dist" / "webchat.js"
AZURE_DIRECTLINE_BASE_URL = "https://directline.botframework.com/v3/directline"
SESSION_BODY_LIMIT = 4096
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the invitation token is in the page's URL
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


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


class ChatChannel(Protocol):
    """Where Web Chat's session for an invitation comes from."""

    async def open(self, request: web.Request, grant: InvitationGrant) -> dict[str, Any]:
        """``{"token", "conversationId", "domain", "userId", "expires_in"}`` for Web Chat; a 4xx/5xx
        (`json_error`) when no session can be had."""
        ...


@dataclass(frozen=True)
class AzureDirectLine:
    """Azure Direct Line: the secret is exchanged for a token bound to the invitation's user."""

    secret: str
    base_url: str = AZURE_DIRECTLINE_BASE_URL

    async def open(self, request: web.Request, grant: InvitationGrant) -> dict[str, Any]:
        try:
            answer = await azure_generate_token(self.base_url, self.secret, grant.webchat_user_id)
        except AzureDirectLineError as error:
            log.warning("Azure Direct Line token exchange failed: %s", error)
            raise json_error(
                web.HTTPBadGateway, "The chat service is not reachable right now. Please try again shortly."
            ) from None
        return {
            "token": answer["token"],
            "conversationId": answer["conversationId"],
            "domain": self.base_url.rstrip("/"),
            "userId": grant.webchat_user_id,
            "expires_in": int(answer.get("expires_in") or 1800),
        }


@dataclass
class ChatConfig:
    channel: ChatChannel
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    bundle: Path = WEBCHAT_BUNDLE


CHAT = web.AppKey("chat", ChatConfig)
SESSION_FIELDS = frozenset({"invitation", "locale"})


def page_language(request: web.Request) -> str:
    """The chat page's language: the first shipped one the browser asks for (Accept-Language, in
    its order of preference; the same preference Web Chat sends as the activities' locale), else
    English."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("Accept-Language", "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        weighted.append((-quality, index, tag))
    for _, _, tag in sorted(weighted):
        language = supported_language(tag)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


async def chat_page(request: web.Request) -> web.Response:
    config = request.app[CHAT]
    lang = page_language(request)
    catalogue = translations(lang)
    response = render(
        request.app[TEMPLATES],
        "chat.html",
        bundle_ready=config.bundle.is_file(),
        has_token=bool(request.query.get("t")),
        lang=lang,
        gettext=catalogue.gettext,
        ngettext=catalogue.ngettext,
        _=catalogue.gettext,
    )
    response.headers["Content-Language"] = lang
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


async def create_session(request: web.Request) -> web.Response:
    config = request.app[CHAT]
    client = client_address(request)
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
    unknown = sorted(set(body) - SESSION_FIELDS)
    if unknown:
        raise json_error(web.HTTPBadRequest, f"unknown field(s): {', '.join(unknown)}; the body is "
                         "{\"invitation\": \"<token from the link>\", \"locale\": \"<optional>\"}")
    token, locale = body.get("invitation"), body.get("locale")
    if not isinstance(token, str) or not token:
        config.limiter.record(client)
        raise json_error(web.HTTPBadRequest, "the body must be {\"invitation\": \"<token from the link>\"}")
    if locale is not None and (not isinstance(locale, str) or len(locale) > 35):
        raise json_error(web.HTTPBadRequest, "locale must be a language tag such as \"es-ES\"")
    try:
        grant = await request.app[SERVICES].people.invitation(token)
    except InvitationInvalid as error:
        config.limiter.record(client)
        raise json_error(web.HTTPForbidden, str(error)) from None
    if locale:
        # Before the chat opens: its first card (sent before they type) is in their language.
        await request.app[SERVICES].people.learn_party_language(grant, locale)
    response = web.json_response(await config.channel.open(request, grant))
    response.headers["Cache-Control"] = "no-store"
    return response


def setup_chat(
    app: web.Application,
    channel: ChatChannel,
    *,
    limiter: FailureLimiter | None = None,
    bundle: Path | None = None,
) -> None:
    """Mount the chat page, its session exchange and the Web Chat bundle."""
    app[CHAT] = ChatConfig(
        channel=channel, limiter=limiter or FailureLimiter(), bundle=bundle or WEBCHAT_BUNDLE
    )
    app.router.add_get("/chat", chat_page)
    app.router.add_post("/chat/session", create_session)
    app.router.add_get("/static/vendor/webchat.js", webchat_bundle)


__all__ = [
    "CHAT", "AzureDirectLine", "ChatChannel", "ChatConfig", "FailureLimiter", "azure_generate_token",
    "setup_chat",
]
