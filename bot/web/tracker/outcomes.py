"""After the decision on the tracker's interview page: the decision's messages (drafts to edit
and send, what was sent, when and by whom), a hold's follow-up due and a rejected candidate's
retention start; and the send form (``Services.outcomes.send_as``: only the interview's owner or a
co-recruiter sends, the same use case as the Teams card)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.http import SERVICES
from bot.web.tracker.signin import Viewer
from services import InvalidRequest, NotAllowed, NotFound


async def outcomes_context(
    request: web.Request, interview_id: str, outcome_error: tuple[str, str, str] | None
) -> dict[str, Any]:
    """What the interview page shows after the decision. `outcome_error`: (message id, why it was
    not sent, the text typed) to show at that message's form."""
    return {
        "outcomes": await request.app[SERVICES].outcomes.history(interview_id),
        "outcome_error": outcome_error,
        "outcome_sent": request.query.get("sent") == "1",
    }


async def send(request: web.Request, viewer: Viewer, form: dict[str, str]) -> tuple[int, str] | None:
    """None when the message was sent (or had been already), else (status, why not)."""
    try:
        await request.app[SERVICES].outcomes.send_as(
            viewer.party_id, request.match_info["id"][:64], request.match_info["message"][:64],
            form.get("text", ""),
        )
    except NotFound as error:
        return 404, error.message
    except NotAllowed as error:
        return 403, error.message
    except InvalidRequest as error:
        return 400, "; ".join(error.problems.values())
    return None
