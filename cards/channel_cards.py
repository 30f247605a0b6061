"""What a recruiting team's channel reads of an interview: one post per stage, in its thread.

A channel is read by everyone in the Teams team, so a post says as little about people as the
team needs to follow the interview: the role, the client's organisation, the candidate's
initials, the stage, the booked time in the zone of the team's recruiter who owns it (always
with the zone's name), ratings and verdicts. Never an e-mail address, never a full name, and the
free text of feedback (impressions, concerns: personal data) only when the team switched
``feedback text on``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cards._base import Card, card, facts, md, plain, subtle, text
from scheduling.intervals import Interval
from scheduling.interview import DECISION_LABELS, Decision
from scheduling.zones import format_local_range

__all__ = ["ChannelFeedback", "ChannelPost", "channel_card", "initials"]

_HEADLINES: Mapping[str, str] = {
    "requested": "Interview requested",
    "booked": "Interview booked",
    "rescheduled": "Interview being moved",
    "cancelled": "Interview cancelled",
    "feedback_received": "Feedback received",
    "feedback_updated": "Feedback updated",
    "summary": "Feedback summary ready",
    "no_show": "No-show reported",
    "decided": "Decision made",
}

_SIDES = {"client": "The client", "candidate": "The candidate"}

_VERDICTS = {
    "qualification": "Qualified",
    "recommendation": "Recommends",
    "interest": "Interested",
}


def initials(name: str) -> str:
    """"Asha Candidate" → "A. C."; what a channel post calls the candidate."""
    letters = [part[0].upper() for part in name.replace("-", " ").split() if part[:1].isalpha()]
    return " ".join(f"{letter}." for letter in letters[:3]) or "—"


@dataclass(frozen=True)
class ChannelFeedback:
    """One side's answer as the channel may show it: `texts` only when the team shares them."""

    side: str  # client | candidate
    rating: int
    who: str | None = None  # a panel's interviewer, by initials: whose answer this is
    verdicts: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelPost:
    note: str
    role_title: str
    organisation: str | None
    candidate_initials: str
    round: int
    zone: str
    booked: Interval | None = None
    by: str | None = None
    decision: str | None = None
    feedback: tuple[ChannelFeedback, ...] = ()
    share_text: bool = False


def _side(answer: ChannelFeedback) -> str:
    if answer.who:
        return f"Interviewer {answer.who}"
    return _SIDES.get(answer.side, answer.side)


def channel_card(post: ChannelPost) -> Card:
    headline = _HEADLINES.get(post.note, "Interview update")
    role = md(post.role_title)
    pairs: list[tuple[str, str]] = [
        ("Role", role),
        ("Client", md(post.organisation or "")),
        ("Candidate", post.candidate_initials),
        ("Round", str(post.round) if post.round > 1 else ""),
        ("When", format_local_range(post.booked, post.zone) if post.booked and post.note == "booked" else ""),
        ("By", _SIDES.get(post.by or "", (post.by or "").capitalize()) if post.by else ""),
    ]
    if post.decision:
        try:
            pairs.append(("Decision", DECISION_LABELS[Decision(post.decision)]))
        except ValueError:
            pairs.append(("Decision", md(post.decision)))
    if post.note.startswith("feedback") and len(post.feedback) == 1 and post.feedback[0].who:
        pairs = [(k, _side(post.feedback[0]) if k == "By" else v) for k, v in pairs]
    body = [text(f"**{headline}**: {role}", size="Medium"), facts(pairs)]
    for answer in post.feedback:
        side = _side(answer)
        verdicts = ", ".join(
            f"{_VERDICTS.get(k, k.capitalize())}: {md(v)}" for k, v in answer.verdicts.items() if v
        )
        body.append(text(f"**{side}**: {answer.rating}/5" + (f" · {verdicts}" if verdicts else "")))
        if post.share_text:
            body.extend(plain(f"{k.capitalize()}: {v}") for k, v in answer.texts.items() if v)
    if post.feedback and not post.share_text:
        body.append(subtle(
            "Feedback text stays with the recruiters (type **feedback text on** to share it here)."
        ))
    return card(body, fallback=f"{headline}: {post.role_title}")
