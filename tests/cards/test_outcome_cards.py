"""The decision's messages as people read them: every decision's drafts render from their
templates for the people it concerns, the recruiter's drafts card and the hold follow-up are
valid Adaptive Cards 1.5, and what the recruiter typed is never read as markdown or HTML."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from cards.outcomes import (
    draft_outcome,
    hold_follow_up_card,
    outcome_chat_card,
    outcome_drafts_card,
    outcome_input_id,
    outcome_mail,
)
from scheduling.interview import Decision, Role
from scheduling.outcomes import OUTCOME_RECIPIENTS, OutcomeMessageView
from tests.helpers.cards import T0, actions_of, booked_view, inputs_of


def messages() -> list[OutcomeMessageView]:
    view = booked_view()
    found = []
    for number, role in enumerate((Role.CANDIDATE, Role.CLIENT)):
        subject, body = draft_outcome(view, Decision.OFFER, role)
        found.append(OutcomeMessageView(
            f"m{number}", view.id, Decision.OFFER, role, view.party(role).name, subject, body, T0,
            sent_at=T0 if number else None, sent_by_name="Rita" if number else None,
        ))
    return found


@pytest.mark.parametrize("decision", list(Decision))
def test_every_decision_drafts_a_greeting_and_a_signature_for_whom_it_concerns(decision: Decision) -> None:
    view = booked_view()
    for role in OUTCOME_RECIPIENTS[decision]:
        subject, body = draft_outcome(view, decision, role, follow_up=T0 + timedelta(days=7))
        assert subject and view.role_title in subject
        assert body.startswith(f"Hello {view.party(role).name},") and body.endswith(view.recruiter.name)
        assert "{{" not in body
    assert Role.CANDIDATE in OUTCOME_RECIPIENTS[decision]


@pytest.mark.parametrize("build", [
    lambda: outcome_drafts_card(booked_view(), messages()),
    lambda: outcome_drafts_card(booked_view(), messages(), problem=("m0", "The message is empty")),
    lambda: hold_follow_up_card(booked_view(), 7),
    lambda: outcome_chat_card("An offer", "Hello,\n\nGood news."),
], ids=["drafts", "drafts_with_problem", "hold_follow_up", "chat"])
def test_outcome_cards_are_valid_adaptive_cards(
    build: Callable[[], dict[str, Any]], validate: Callable[[dict[str, Any]], None]
) -> None:
    validate(build())


def test_the_drafts_card_edits_each_unsent_draft_and_shows_the_sent_one() -> None:
    card = outcome_drafts_card(booked_view(), messages())
    found = inputs_of(card)
    assert list(found) == [outcome_input_id("m0")] and found[outcome_input_id("m0")]["isMultiline"]
    [send] = actions_of(card, "Action.Submit")
    assert send["data"] == {"action": "send_outcome", "interview_id": booked_view().id, "message_id": "m0"}
    assert "Sent " in json.dumps(card) and "by Rita" in json.dumps(card)


def test_what_the_recruiter_typed_is_literal_in_chat_and_escaped_in_mail() -> None:
    body = "Hello [click](https://evil.example) <b>you</b>\n\nBye"
    chat = json.dumps(outcome_chat_card("Subject", body))
    assert '"type": "TextRun", "text": "Hello [click](https://evil.example) <b>you</b>"' in chat
    mail = outcome_mail("asha@example.org", "Subject", body, "Rita Recruiter", key="k")
    assert "<b>you</b>" not in mail.html and "&lt;b&gt;you&lt;/b&gt;" in mail.html
    assert body in mail.text and mail.to == ("asha@example.org",)
