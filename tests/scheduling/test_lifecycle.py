"""The lifecycle after the interview, as a pure function: feedback, the window, no-shows, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.interview import (
    Decided,
    Decision,
    EffectKind,
    FeedbackSubmitted,
    FeedbackWindowClosed,
    InterviewEnded,
    InvalidTransition,
    NoShowReported,
    Policy,
    Role,
    Stage,
    transition,
)

NOW = datetime(2026, 11, 25, 11, 15, tzinfo=UTC)
H = timedelta(hours=1)


def test_the_end_asks_both_sides_and_schedules_growing_reminders_then_the_alert_and_the_close() -> None:
    result = transition(Stage.SCHEDULED, InterviewEnded(), NOW)
    assert result.stage is Stage.AWAITING_FEEDBACK
    timed = sorted((e.due, e.kind.value, e.to.value if e.to else None) for e in result.effects if e.due)
    assert timed == [
        (NOW + 24 * H, "remind_feedback", "candidate"),
        (NOW + 24 * H, "remind_feedback", "client"),
        (NOW + 72 * H, "remind_feedback", "candidate"),
        (NOW + 72 * H, "remind_feedback", "client"),
        (NOW + 84 * H, "feedback_overdue", "recruiter"),
        (NOW + 96 * H, "close_feedback_window", None),
    ]
    asks = [(e.kind, e.to) for e in result.effects if e.due is None]
    assert asks == [(EffectKind.REQUEST_FEEDBACK, Role.CLIENT), (EffectKind.REQUEST_FEEDBACK, Role.CANDIDATE)]


def test_the_feedback_timings_come_from_the_policy() -> None:
    policy = Policy(feedback_reminders=(2 * H,), feedback_escalation=H, feedback_window=3 * H)
    result = transition(Stage.SCHEDULED, InterviewEnded(), NOW, policy)
    timed = sorted((e.due, e.kind.value) for e in result.effects if e.due and e.to is not Role.CANDIDATE)
    assert timed == [
        (NOW + 2 * H, "remind_feedback"),
        (NOW + 3 * H, "feedback_overdue"),
        (NOW + 5 * H, "close_feedback_window"),
    ]


@pytest.mark.parametrize(
    ("both_in", "edit", "stage", "kinds"),
    [
        (False, False, Stage.AWAITING_FEEDBACK, ["feedback_received"]),
        (False, True, Stage.AWAITING_FEEDBACK, ["feedback_received"]),
        (True, False, Stage.FEEDBACK_COMPLETE, ["feedback_received", "send_feedback_summary"]),
    ],
    ids=["first-side", "edit-before-the-other", "second-side"],
)
def test_each_submission_notifies_the_recruiter_and_the_second_compiles_the_summary(
    both_in: bool, edit: bool, stage: Stage, kinds: list[str]
) -> None:
    result = transition(Stage.AWAITING_FEEDBACK, FeedbackSubmitted(Role.CLIENT, 4, both_in, edit), NOW)
    assert result.stage is stage
    assert [e.kind.value for e in result.effects] == kinds
    assert result.effects[0].data["rating"] == "4" and result.effects[0].to is Role.RECRUITER
    assert result.effects[0].data["note"] == ("feedback_updated" if edit else "feedback_received")


@pytest.mark.parametrize("stage", [Stage.FEEDBACK_COMPLETE, Stage.DECIDED, Stage.NO_SHOW, Stage.SCHEDULED])
def test_feedback_outside_the_window_is_refused(stage: Stage) -> None:
    with pytest.raises(InvalidTransition):
        transition(stage, FeedbackSubmitted(Role.CANDIDATE, 3, False), NOW)


def test_the_window_closing_compiles_what_is_in() -> None:
    result = transition(Stage.AWAITING_FEEDBACK, FeedbackWindowClosed(), NOW)
    assert result.stage is Stage.FEEDBACK_COMPLETE
    assert [(e.kind, e.data.get("window_closed")) for e in result.effects] == [
        (EffectKind.SEND_FEEDBACK_SUMMARY, "yes")
    ]


@pytest.mark.parametrize(
    ("stage", "by", "absent", "starts", "ok"),
    [
        (Stage.SCHEDULED, Role.CLIENT, Role.CANDIDATE, NOW - H, True),
        (Stage.AWAITING_FEEDBACK, Role.CANDIDATE, Role.CLIENT, NOW - H, True),
        (Stage.AWAITING_FEEDBACK, Role.RECRUITER, Role.CANDIDATE, NOW - H, True),
        (Stage.SCHEDULED, Role.CLIENT, Role.CANDIDATE, NOW + H, False),
        (Stage.CANCELLED, Role.RECRUITER, Role.CANDIDATE, NOW - H, False),
        (Stage.FEEDBACK_COMPLETE, Role.RECRUITER, Role.CANDIDATE, NOW - H, False),
        (Stage.AWAITING_FEEDBACK, Role.CLIENT, Role.CLIENT, NOW - H, False),
        (Stage.AWAITING_FEEDBACK, Role.CLIENT, Role.RECRUITER, NOW - H, False),
        (Stage.NO_SHOW, Role.CLIENT, Role.CANDIDATE, NOW - H, False),
    ],
    ids=[
        "client-reports-candidate-after-start",
        "candidate-reports-client-during-feedback",
        "recruiter-reports",
        "before-the-start",
        "cancelled-is-not-a-no-show",
        "after-the-summary",
        "yourself",
        "the-recruiter-is-never-absent",
        "twice",
    ],
)
def test_no_shows(stage: Stage, by: Role, absent: Role, starts: datetime, ok: bool) -> None:
    event = NoShowReported(by, absent, starts)
    if not ok:
        with pytest.raises(InvalidTransition):
            transition(stage, event, NOW)
        return
    result = transition(stage, event, NOW)
    assert result.stage is Stage.NO_SHOW
    [effect] = result.effects
    assert effect.kind is EffectKind.NO_SHOW_REPORTED and effect.to is Role.RECRUITER
    assert effect.data["absent"] == absent.value


@pytest.mark.parametrize("stage", [Stage.FEEDBACK_COMPLETE, Stage.NO_SHOW])
def test_the_recruiter_decides_after_the_summary_or_a_no_show(stage: Stage) -> None:
    assert transition(stage, Decided(Decision.ON_HOLD), NOW).stage is Stage.DECIDED


@pytest.mark.parametrize("stage", [Stage.AWAITING_FEEDBACK, Stage.DECIDED, Stage.SCHEDULED, Stage.CANCELLED])
def test_no_decision_before_the_summary_or_twice(stage: Stage) -> None:
    with pytest.raises(InvalidTransition):
        transition(stage, Decided(Decision.OFFER), NOW)
