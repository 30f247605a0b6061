"""The recruiters' iCalendar feeds and the local mail outbox, on the tracker."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

from aiohttp import web
from markupsafe import Markup, escape

from bot.web.http import SETTINGS
from bot.web.tracker.common import DEFAULT_ZONE, Times, now_of, page, posted, reports_of, signed_in, zone_of
from bot.web.tracker.signin import Viewer
from integrations.ics import feed_ics
from integrations.mail import OutboxNameRefused, list_outbox, read_outbox
from services import reports


async def feeds(request: web.Request, *, viewer: Viewer | None = None, new_url: str | None = None,
                message: str | None = None, status: int = 200) -> web.Response:
    viewer = viewer or signed_in(request)
    read = reports_of(request)
    _, recruiters = await read.filter_choices()
    return page(
        request, "tracker/feeds.html", viewer, status=status, feeds=await read.feeds(),
        recruiters=recruiters, new_url=new_url, message=message, scopes=reports.SCOPES,
        t=Times(viewer.zone or DEFAULT_ZONE, now_of(request)),
    )


async def create_feed(request: web.Request) -> web.Response:
    viewer, form = await posted(request)
    try:
        token = await reports_of(request).create_feed(
            form.get("recruiter", ""), created_by=viewer.email or viewer.user,
            scope=form.get("scope") or reports.MINE,
        )
    except reports.UnknownRecruiter:
        return await feeds(request, viewer=viewer, message="Choose a recruiter for the feed.", status=400)
    except reports.UnknownScope:
        return await feeds(request, viewer=viewer, status=400,
                           message="Choose what the feed covers: the recruiter's interviews or their team's.")
    url = f"{request.app[SETTINGS].public_url}/feeds/{token}.ics"
    return await feeds(request, viewer=viewer, new_url=url)


async def revoke_feed(request: web.Request) -> web.Response:
    viewer, _ = await posted(request)
    done = await reports_of(request).revoke_feed(request.match_info["id"])
    return await feeds(
        request, viewer=viewer, message="The feed was revoked: its URL no longer works." if done
        else "That feed was already revoked.",
    )


async def feed(request: web.Request) -> web.Response:
    now = now_of(request)
    found = await reports_of(request).feed(request.match_info["token"])
    if found is None:
        raise web.HTTPNotFound(text="No such calendar feed (it may have been revoked).",
                               content_type="text/plain")
    whose = f"{found.recruiter_name}'s team" if found.scope == reports.TEAM else found.recruiter_name
    body = feed_ics(found.events, name=f"askARSAN interviews — {whose}", now=now)
    return web.Response(
        body=body, content_type="text/calendar", charset="utf-8",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                 "X-Content-Type-Options": "nosniff"},
    )


# Outbox -----------------------------------------------------------------------------------------


async def outbox(request: web.Request) -> web.Response:
    viewer = signed_in(request)
    folder = request.app[SETTINGS].outbox_dir
    entries = await asyncio.to_thread(list_outbox, folder)
    zone_name, _ = zone_of(request, viewer)
    return page(request, "tracker/outbox.html", viewer, entries=entries[:500], total=len(entries),
                 folder=str(folder), t=Times(zone_name, now_of(request)))


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Plain text, escaped, with its http(s) links made clickable (opened without a referrer)."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        end = match.start() + len(url)
        out.append(str(escape(text[last:match.start()])))
        out.append(f'<a href="{escape(url)}" rel="noopener noreferrer" target="_blank">{escape(url)}</a>')
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    try:
        return str(part.get_content())
    except (LookupError, ValueError):
        return None


async def outbox_message(request: web.Request) -> web.Response:
    viewer = signed_in(request)
    folder = request.app[SETTINGS].outbox_dir
    name = request.match_info["name"]
    try:
        message = await asyncio.to_thread(read_outbox, folder, name)
    except (OutboxNameRefused, FileNotFoundError):
        return page(request, "tracker/message.html", viewer, status=404, title="Not found",
                     message="There is no such message in the outbox.")
    text = _part(message, "plain")
    attachments = [
        (part.get_filename() or "(unnamed)", part.get_content_type())
        for part in message.iter_attachments()
    ]
    return page(
        request, "tracker/mail.html", viewer, mail_name=name, subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")), to=str(message.get("To", "")),
        date=str(message.get("Date", "")), text=linkify(text) if text is not None else None,
        html=_part(message, "html"), attachments=attachments,
    )


