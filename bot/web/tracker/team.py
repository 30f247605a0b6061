"""The recruiting team on the tracker's interview page: its owner and co-recruiters, and the
handover form (``Services.team.hand_over``; only the owner or a co-recruiter may hand over)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.http import SERVICES
from bot.web.tracker.signin import Viewer
from services import InvalidRequest, NotAllowed, NotFound


async def recruiters_context(
    request: web.Request, interview_id: str, handover_error: str | None
) -> dict[str, Any]:
    """What the interview page shows of its panel and recruiters, and the handover form's choices."""
    services = request.app[SERVICES]
    return {
        "panel": await services.reports.panel(interview_id),
        "co_recruiters": await services.reports.co_recruiters(interview_id),
        "handover_choices": await services.team.recruiters(),
        "handover_error": handover_error,
        "handed": request.query.get("handed") == "1",
    }


async def hand_over(request: web.Request, viewer: Viewer, form: dict[str, str]) -> tuple[int, str] | None:
    """None when the interview was handed over (or the chosen recruiter owned it already), else
    (status, why it was refused)."""
    try:
        await request.app[SERVICES].team.hand_over_as(
            viewer.party_id, request.match_info["id"][:64], form.get("to", "")[:400]
        )
    except NotFound as error:
        return 404, error.message
    except NotAllowed as error:
        return 403, error.message
    except InvalidRequest as error:
        return 400, "; ".join(error.problems.values())
    return None
