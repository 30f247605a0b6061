"""The recruiter's pipeline in Teams (the tracker's, as a card), and the help and welcome cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cards._base import (
    Card,
    Element,
    action_set,
    card,
    container,
    heading,
    md,
    open_url,
    submit,
    subtle,
    text,
)
from scheduling.interview import STAGE_LABELS, Stage

__all__ = [
    "COMMANDS", "PIPELINE_ROWS_SHOWN", "PipelineRow",
    "help_card", "notice_card", "pipeline_card", "welcome_card",
]

PIPELINE_ROWS_SHOWN = 10


@dataclass(frozen=True)
class PipelineRow:
    """One interview as the pipeline card lists it; ``when`` is already formatted with its zone."""

    interview_id: str
    candidate: str
    client: str
    role_title: str
    stage: Stage
    when: str | None
    next_action: str | None
    overdue: bool


def _row(row: PipelineRow) -> Element:
    items: list[Element] = [
        text(f"**{md(row.candidate)}** · {md(row.role_title)} · {md(row.client)}"),
        text(STAGE_LABELS[row.stage] + (f" · {md(row.when)}" if row.when else ""), spacing="None",
             isSubtle=True),
    ]
    if row.next_action:
        items.append(
            text(("Overdue: " if row.overdue else "Next: ") + md(row.next_action), spacing="None",
                 color="Attention" if row.overdue else "Default",
                 weight="Bolder" if row.overdue else "Default")
        )
    elif row.overdue:
        items.append(text("Overdue", spacing="None", color="Attention", weight="Bolder"))
    return container(items, separator=True, style="attention" if row.overdue else "default")


def pipeline_card(rows: Sequence[PipelineRow], *, title: str, tracker_url: str) -> Card:
    """The first ten rows (callers sort them: overdue and soonest first) and a tracker link."""
    shown = list(rows[:PIPELINE_ROWS_SHOWN])
    body: list[Element] = [heading(title)]
    if not shown:
        body.append(text("Nothing here right now."))
    overdue = sum(1 for r in rows if r.overdue)
    if overdue:
        body.append(text(f"{overdue} need{'s' if overdue == 1 else ''} attention.",
                         color="Attention", weight="Bolder"))
    body += [_row(r) for r in shown]
    if len(rows) > len(shown):
        body.append(subtle(f"…and {len(rows) - len(shown)} more on the tracker."))
    return card(body, [open_url("Open the tracker", tracker_url)], fallback=title)


# Command name → (button title, what it does).
COMMANDS: dict[str, tuple[str, str]] = {
    "schedule": ("Schedule an interview", "ask a client for times and let the candidate pick one"),
    "pipeline": ("My pipeline", "every open interview, with what is overdue"),
    "upcoming": ("Upcoming interviews", "the interviews booked for the coming days"),
    "help": ("Help", "what askARSAN does and how to ask it"),
}


def _command_buttons() -> Element:
    return action_set(
        [submit(title, {"action": "command", "command": name}) for name, (title, _) in COMMANDS.items()]
    )


def _command_list() -> Element:
    return text("\n".join(f"- **{name}**: {what}" for name, (_, what) in COMMANDS.items()))


def help_card() -> Card:
    return card(
        [
            heading("What askARSAN does"),
            text("askARSAN arranges interviews between clients and candidates and collects "
                 "feedback afterwards, so that you only make the decisions."),
            text("Type a command or use a button:", weight="Bolder"),
            _command_list(),
            _command_buttons(),
        ],
        fallback="askARSAN commands: schedule, pipeline, upcoming, help.",
    )


def welcome_card() -> Card:
    return card(
        [
            heading("Welcome to askARSAN"),
            text("I get a client and a candidate to agree an interview time, book it with a Teams "
                 "link, remind everyone, and ask both sides for feedback afterwards."),
            text("Start with one of these:", weight="Bolder"),
            _command_list(),
            _command_buttons(),
        ],
        fallback="Welcome to askARSAN. Commands: schedule, pipeline, upcoming, help.",
    )


def notice_card(message: str) -> Card:
    """A card that only says something (the answer to a button that is no longer active)."""
    return card([text(message)], fallback=message)
