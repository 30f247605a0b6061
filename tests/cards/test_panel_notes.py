"""The recruiter's note when one interviewer of a panel answers: it names who answered (not the
client contact for every interviewer) and everyone still awaited."""

from __future__ import annotations

from cards.messages import feedback_received_note
from scheduling.interview import PartyView, Seat, Stage
from tests.helpers.views import CANDIDATE, CLIENT, make_view

SAM = PartyView("sam-1", "Sam Lee", "America/New_York")
PANEL = (Seat(CLIENT, True, True), Seat(SAM, True, True))


def test_a_panel_interviewers_answer_is_theirs_and_names_who_is_still_awaited() -> None:
    view = make_view(stage=Stage.AWAITING_FEEDBACK, panel=PANEL)
    note = feedback_received_note(view, {"note": "feedback_received", "by": "client", "rating": "2",
                                         "party": SAM.id, "waiting": f"{CLIENT.id} {CANDIDATE.id}"})
    assert note.startswith("Sam Lee gave feedback: 2/5 (Backend Engineer, Kim Candidate).")
    assert note.endswith("Waiting for Carl Client (Acme Corp) and Kim Candidate.")


def test_the_candidates_answer_waits_for_each_interviewer_still_owing() -> None:
    view = make_view(stage=Stage.AWAITING_FEEDBACK, panel=PANEL)
    note = feedback_received_note(view, {"note": "feedback_received", "by": "candidate", "rating": "4",
                                         "party": CANDIDATE.id, "waiting": SAM.id})
    assert note == "Kim Candidate gave feedback: 4/5 (Backend Engineer at Carl Client (Acme Corp)). Waiting for Sam Lee."


def test_a_note_planned_before_answers_named_parties_still_reads_by_role() -> None:
    view = make_view(stage=Stage.AWAITING_FEEDBACK)
    note = feedback_received_note(view, {"note": "feedback_received", "by": "client", "rating": "5"})
    assert note == "Carl Client (Acme Corp) gave feedback: 5/5 (Backend Engineer, Kim Candidate). Waiting for Kim Candidate."
