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
    input_choice,
    md,
    open_url,
    submit,
    subtle,
    text,
    verb,
)
from scheduling.interview import STAGE_LABELS, Stage

__all__ = [
    "COMMANDS", "HAND_OVER_BUTTON", "PIPELINE_ROWS_SHOWN", "PipelineRow",
    "handover_card", "help_card", "notice_card", "pipeline_card", "welcome_card",
]

HAND_OVER_BUTTON = "Hand over…"

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
    owner: str | None = None  # shown for a team's pipeline, where owners differ


def _row(row: PipelineRow) -> Element:
    items: list[Element] = [
        text(f"**{md(row.candidate)}** · {md(row.role_title)} · {md(row.client)}"),
        text(STAGE_LABELS[row.stage] + (f" · {md(row.when)}" if row.when else ""), spacing="None",
             isSubtle=True),
    ]
    if row.owner:
        items.append(text(f"Owner: {md(row.owner)}", spacing="None", isSubtle=True))
    if row.next_action:
        items.append(
            text(("Overdue: " if row.overdue else "Next: ") + md(row.next_action), spacing="None",
                 color="Attention" if row.overdue else "Default",
                 weight="Bolder" if row.overdue else "Default")
        )
    elif row.overdue:
        items.append(text("Overdue", spacing="None", color="Attention", weight="Bolder"))
    items.append(action_set([submit(HAND_OVER_BUTTON, verb("handover_form", row.interview_id))],
                            spacing="Small"))
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


def handover_card(
    interview_id: str, *, candidate: str, role_title: str, owner: str,
    choices: Sequence[tuple[str, str]], message: str | None = None,
) -> Card:
    """Hand an interview over to another recruiter: ``choices`` are (e-mail, label) of the
    recruiters we know; submits ``hand_over`` with the chosen address in ``to``."""
    body: list[Element] = [
        heading("Hand over the interview"),
        text(f"**{md(candidate)}** · {md(role_title)}. Owner now: {md(owner)}."),
        text("The recruiter you choose owns it from now on and gets its updates first; the owner "
             "until now stays on it as a co-recruiter.", isSubtle=True),
    ]
    if message:
        body.insert(1, text(md(message), color="Attention", weight="Bolder"))
    body.append(input_choice("to", "Hand over to", choices, required=True,
                             placeholder="Choose a recruiter",
                             error="Please choose the recruiter to hand the interview over to."))
    return card(body, [submit("Hand over", verb("hand_over", interview_id), style="positive")],
                fallback="Hand over the interview: please open this in Teams.")


# Command name → (button title, what it does).
COMMANDS: dict[str, tuple[str, str]] = {
    "schedule": ("Schedule an interview", "ask a client for times and let the candidate pick one"),
    "pipeline": ("My pipeline", "every open interview you own or co-recruit, with what is overdue "
                 "(**pipeline team**: your recruiting team's)"),
    "upcoming": ("Upcoming interviews", "the interviews booked for the coming days "
                 "(**upcoming team**: your team's)"),
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
