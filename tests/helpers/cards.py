"""Cards as the tests read them: interviews to draw, and walking a card for its actions, inputs
and text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduling.intervals import Interval
from scheduling.interview import Format, InterviewView, OfferedSlot, PartyView, Stage
from tests.helpers.activities import CARD

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday; London is on GMT, Kolkata at +05:30


def make_view(**overrides: Any) -> InterviewView:
    values: dict[str, Any] = {
        "id": "iv-123",
        "role_title": "Senior Data Engineer",
        "format": Format.TEAMS,
        "stage": Stage.AWAITING_PICK,
        "duration": timedelta(minutes=60),
        "recruiter": PartyView("r-1", "Rita Recruiter", "Europe/London"),
        "client": PartyView("c-1", "Priya Shah", "Europe/London", "Contoso Ltd"),
        "candidate": PartyView("k-1", "Tom Okafor", "Asia/Kolkata"),
        "slots": (
            OfferedSlot("s-1", Interval(T0, T0 + timedelta(hours=1))),
            OfferedSlot("s-2", Interval(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1))),
        ),
    }
    values.update(overrides)
    return InterviewView(**values)


def booked_view(**overrides: Any) -> InterviewView:
    values: dict[str, Any] = {
        "stage": Stage.SCHEDULED,
        "booked": Interval(T0, T0 + timedelta(hours=1)),
        "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "slots": (),
    }
    values.update(overrides)
    return make_view(**values)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first (ShowCard cards and ActionSets included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def actions_of(card: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        n for n in walk(card)
        if isinstance(n.get("type"), str) and n["type"].startswith("Action.")
        and (kind is None or n["type"] == kind)
    ]


def inputs_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for n in walk(card):
        if isinstance(n.get("type"), str) and n["type"].startswith("Input.") and "id" in n:
            assert n["id"] not in found, f"input id {n['id']} used twice"
            found[n["id"]] = n
    return found


def all_text(card: dict[str, Any]) -> str:
    """Everything a reader sees, joined: texts, runs, facts, button titles, choices."""
    parts: list[str] = []
    for n in walk(card):
        for key in ("text", "title", "value", "label", "placeholder"):
            if isinstance(n.get(key), str):
                parts.append(n[key])
    return "\n".join(parts)


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    """The card's labelled values (``cards._base.facts``: a bold "Label:" run, then the value)."""
    found: dict[str, str] = {}
    for n in walk(card):
        runs = n.get("inlines") if n.get("type") == "RichTextBlock" else None
        if runs and len(runs) == 2 and runs[0].get("weight") == "Bolder" and runs[0]["text"].endswith(":"):
            found[runs[0]["text"][:-1]] = runs[1]["text"].strip()
    return found


def slot_choices(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(slot id, the time as written) of the card's slot choice."""
    [choice] = [n for n in walk(card) if n.get("type") == "Input.ChoiceSet" and n.get("id") == "slot_id"]
    return [(c["value"], c["title"]) for c in choice["choices"]]


def picks(card: dict[str, Any]) -> list[dict[str, Any]]:
    """What pressing the card's pick button sends for each time it offers: the button's data with
    the time chosen in the card's `slot_id` choice, merged as Web Chat and Teams merge them."""
    choices = [
        c["value"] for n in walk(card)
        if n.get("type") == "Input.ChoiceSet" and n.get("id") == "slot_id" for c in n.get("choices") or []
    ]
    buttons = [d for d in submits(card) if d.get("action") == "pick_slot"]
    return [{**button, "slot_id": choice} for button in buttons for choice in choices]


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The data of every Action.Submit in the card, in order."""
    return [action.get("data") or {} for action in actions_of(card, "Action.Submit")]


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    """The Adaptive Card an activity carries, if it carries one."""
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == CARD:
            content: dict[str, Any] = attachment["content"]
            return content
    return None
