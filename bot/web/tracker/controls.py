"""The recruiter's controls on the tracker's interview page (docs/architecture.md, "Changes"):
reschedule, cancel, mark a no-show, resend the invitation, set the meeting link, and allow one
more reschedule. Each form posts (with the CSRF token) to the same use case as the Teams card
(``services.controls``, ``services.changes``, ``services.feedback``); only the interview's owner or
a co-recruiter may act, and what was refused is shown on the page with a 4xx."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.http import SERVICES
from bot.web.tracker.signin import Viewer
from services import InvalidRequest, NotAllowed, NotFound
from services.controls import recruiter

CONTROLS = ("reschedule", "cancel", "no_show", "resend", "meeting_link", "allow_reschedule")
DONE = {
    "reschedule": "Rescheduled: the old time is released and the client has been asked for new times.",
    "cancel": "Cancelled: the client and the candidate have been told.",
    "no_show": "Recorded as a no-show: feedback is skipped; decide the next step.",
    "resend": "Sent again: the client and the candidate get their confirmation and invitation once more.",
    "meeting_link": "Meeting link set: the client and the candidate have it.",
    "allow_reschedule": "Allowed: they can reschedule once more, and have been told.",
}
ALREADY = {
    "no_show": "That no-show was already recorded; nothing changed.",
    "meeting_link": "That is the meeting link already; nothing was sent again.",
    "allow_reschedule": "They can still reschedule under the cap; nothing changed.",
}


def controls_context(request: web.Request, control_error: tuple[str, str] | None) -> dict[str, Any]:
    """What the interview page shows of its controls: a refusal (control, why) or what was done."""
    done = request.query.get("done", "")
    already = request.query.get("already") == "1"
    return {
        "control_error": control_error,
        "control_done": (ALREADY.get(done) if already else DONE.get(done)) if done in CONTROLS else None,
    }


async def act(
    request: web.Request, viewer: Viewer, control: str, form: dict[str, str]
) -> tuple[int, str] | bool:
    """Run one control; True/False (done / already so) or (status, why it was refused)."""
    services = request.app[SERVICES]
    interview_id = request.match_info["id"][:64]
    try:
        actor = recruiter(viewer.party_id)
        match control:
            case "reschedule":
                await services.changes.reschedule(actor, interview_id, form.get("reason", ""))
            case "cancel":
                await services.changes.cancel(actor, interview_id, form.get("reason", ""))
            case "no_show":
                return await services.feedback.report_no_show(actor, interview_id, form.get("who", ""))
            case "resend":
                await services.controls.resend_invitation(actor, interview_id)
            case "meeting_link":
                url = form.get("join_url", "")
                result = await services.controls.set_meeting_link(actor, interview_id, url)
                return not result.already
            case "allow_reschedule":
                allowed = await services.controls.allow_one_more(actor, interview_id, form.get("by", ""))
                return not allowed.already
            case _:
                return 404, "There is no such control."
    except NotFound as error:
        return 404, error.message
    except NotAllowed as error:
        return 403, error.message
    except InvalidRequest as error:
        return 400, "; ".join(error.problems.values())
    return True
