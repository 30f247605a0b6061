"""The cards as data: valid Adaptive Card 1.5, the submit contract with the dialogs, and what
each person reads (their own time zone, the reasons for refused slots, their earlier answers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import cards
from cards import PipelineRow
from cards.pipeline import handover_card
from scheduling.feedback import (
    CandidateFeedback,
    ClientFeedback,
    Interest,
    NextStep,
    Qualification,
    Recommendation,
    Suggestion,
)
from scheduling.intervals import Interval
from scheduling.interview import Format, OfferedSlot, PartyView, Role, Stage
from scheduling.rules import BookingRules, RefusalReason, RefusedSlot, SlotRequest
from tests.helpers.cards import (
    T0,
    actions_of,
    all_text,
    booked_view,
    facts_of,
    inputs_of,
    make_view,
    slot_choices,
    walk,
)

RULES = BookingRules(zone="Europe/London", buffer_after=timedelta(minutes=15))
REFUSED = RefusedSlot(
    SlotRequest(date(2026, 3, 1), time(10, 0), "Europe/London"),
    RefusalReason.OUTSIDE_WORKING_HOURS,
    "Sun 1 Mar 2026, 10:00–11:00 GMT (Europe/London) is outside working hours — pick another.",
)
KEPT = (Interval(T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1)),)
CLIENT_FB = ClientFeedback(4, "Sharp", Qualification.YES, "", Recommendation.OFFER)
CANDIDATE_FB = CandidateFeedback(5, "Friendly team", Interest.YES, "Salary?")
OFFER = Suggestion(NextStep.OFFER, "Both sides are keen.")
ROWS = [
    PipelineRow(f"iv-{i}", f"Cand {i}", "Contoso", "Engineer", Stage.AWAITING_SLOTS,
                None, "Chase the client for slots", overdue=i % 3 == 0)
    for i in range(14)
]

# Every card with the interview id its submits must carry (None: not about one interview).
CASES: list[tuple[str, Callable[[], dict[str, Any]], str | None]] = [
    ("schedule_request", lambda: cards.schedule_request_card(), None),
    ("schedule_request_with_errors", lambda: cards.schedule_request_card(
        {"client_name": "Priya", "client_zone": "Asia/Kathmandu", "duration_minutes": "45"},
        {"client_email": "That is not an e-mail address."}), None),
    ("offer_slots", lambda: cards.offer_slots_card(make_view(), RULES), "iv-123"),
    ("offer_slots_kept_refused_windows", lambda: cards.offer_slots_card(
        make_view(candidate_windows=KEPT, candidate_note="Mornings please"), RULES,
        kept=KEPT, refused=[REFUSED]), "iv-123"),
    ("pick_slot", lambda: cards.pick_slot_card(make_view(), message="That time was just taken"),
     "iv-123"),
    ("pick_slot_no_slots", lambda: cards.pick_slot_card(make_view(slots=())), "iv-123"),
    ("pick_live_times", lambda: cards.pick_slot_card(
        make_view(slots=(), page_version=1), live=[s.interval for s in make_view().slots], more=True,
        paged=True), "iv-123"),
    ("pick_live_times_none_left", lambda: cards.pick_slot_card(
        make_view(slots=(), page_version=1), live=[]), "iv-123"),
    ("confirmation_client", lambda: cards.booking_confirmation_card(booked_view(), Role.CLIENT),
     "iv-123"),
    ("confirmation_candidate_on_site", lambda: cards.booking_confirmation_card(
        booked_view(format=Format.ON_SITE, join_url=None, location="1 High St, Leeds"),
        Role.CANDIDATE), "iv-123"),
    ("recruiter_update", lambda: cards.recruiter_update_card(booked_view(), "booked", "All set"),
     "iv-123"),
    ("reminder", lambda: cards.reminder_card(booked_view(), Role.CANDIDATE, hours_before=24),
     "iv-123"),
    ("cancellation", lambda: cards.cancellation_card(booked_view(), Role.CLIENT, by=Role.CANDIDATE,
                                                     reason="Took another offer"), "iv-123"),
    ("client_feedback", lambda: cards.client_feedback_card(
        booked_view(), values={"rating": "4"}, problems={"qualification": "Please answer."}),
     "iv-123"),
    ("candidate_feedback", lambda: cards.candidate_feedback_card(booked_view()), "iv-123"),
    ("feedback_summary", lambda: cards.feedback_summary_card(
        booked_view(), CLIENT_FB, CANDIDATE_FB, OFFER), "iv-123"),
    ("feedback_summary_missing", lambda: cards.feedback_summary_card(
        booked_view(), None, None, Suggestion(NextStep.WAIT, "Neither side answered.")), "iv-123"),
    ("pipeline", lambda: cards.pipeline_card(ROWS, title="Your pipeline",
                                             tracker_url="https://askarsan.example.com/tracker"),
     None),
    ("pipeline_empty", lambda: cards.pipeline_card([], title="Upcoming",
                                                   tracker_url="https://askarsan.example.com/t"),
     None),
    ("handover", lambda: handover_card("iv-123", candidate="Asha", role_title="Engineer", owner="Rita",
                                       choices=[("sam@agency.example", "Sam (sam@agency.example)")],
                                       message="Please choose the recruiter."), "iv-123"),
    ("help", cards.help_card, None),
    ("welcome", cards.welcome_card, None),
]
IDS = [c[0] for c in CASES]
BUILDERS = [c[1] for c in CASES]


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_every_card_is_valid_adaptive_card_1_5(
    build: Callable[[], dict[str, Any]], validate: Callable[[dict[str, Any]], None]
) -> None:
    card = build()
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    validate(card)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: c["body"].append({"type": "TextBlock", "txt": "typo"}),
        lambda c: c["body"].append({"type": "Input.ChoiceSet", "id": "x", "choices": [],
                                    "style": "dropdown"}),
        lambda c: c.update(msteams={"width": "Full"}),
    ],
    ids=["misspelt-property", "unknown-choice-style", "msteams-on-the-card"],
)
def test_the_schema_check_rejects_a_broken_card(
    spoil: Callable[[dict[str, Any]], None], validate: Callable[[dict[str, Any]], None]
) -> None:
    card = cards.help_card()
    spoil(card)
    with pytest.raises(pytest.fail.Exception, match=r"not valid Adaptive Card 1\.5"):
        validate(card)


@pytest.mark.parametrize(("build", "interview_id"), [(c[1], c[2]) for c in CASES], ids=IDS)
def test_every_submit_names_its_verb_and_interview_and_nothing_executes(
    build: Callable[[], dict[str, Any]], interview_id: str | None
) -> None:
    card = build()
    assert actions_of(card, "Action.Execute") == []
    assert not any("msteams" in node for node in walk(card))
    for action in actions_of(card, "Action.Submit"):
        data = action["data"]
        assert isinstance(data["action"], str) and data["action"]
        if interview_id is not None:
            assert data["interview_id"] == interview_id
        elif data["action"] == "handover_form":  # a pipeline row's own interview
            assert data["interview_id"] in {row.interview_id for row in ROWS}
        else:
            assert "interview_id" not in data


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_text_wraps_and_required_inputs_explain_themselves(build: Callable[[], dict[str, Any]]) -> None:
    card = build()
    for node in walk(card):
        if node.get("type") == "TextBlock":
            assert node.get("wrap") is True, node
        if node.get("isRequired"):
            assert node.get("errorMessage"), node
        if str(node.get("type", "")).startswith("Input."):
            assert node.get("id") and node.get("label"), node
    inputs_of(card)  # ids are unique


@pytest.mark.parametrize("build", BUILDERS, ids=IDS)
def test_every_card_fits_in_a_teams_message(build: Callable[[], dict[str, Any]]) -> None:
    assert len(json.dumps(build()).encode()) < cards.TEAMS_MAX_CARD_BYTES


def test_twenty_slots_still_fit_in_a_teams_message(validate: Callable[[dict[str, Any]], None]) -> None:
    slots = tuple(
        OfferedSlot(f"slot-{i:02}", Interval(T0 + timedelta(hours=i), T0 + timedelta(hours=i + 1)))
        for i in range(20)
    )
    view = make_view(slots=slots, candidate_windows=tuple(s.interval for s in slots),
                     candidate_note="x" * 1000)
    refused = [REFUSED] * 20
    for card in (cards.pick_slot_card(view),
                 cards.offer_slots_card(view, RULES, rows=20, kept=[s.interval for s in slots],
                                        refused=refused)):
        size = len(json.dumps(card).encode())
        assert size < cards.TEAMS_MAX_CARD_BYTES, size
        validate(card)
    assert len(slot_choices(cards.pick_slot_card(view))) == 20


# --- the candidate picks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Kolkata", "Tue 3 Mar 2026, 14:30–15:30 IST (Asia/Kolkata)"),
        ("Europe/London", "Tue 3 Mar 2026, 09:00–10:00 GMT (Europe/London)"),
        ("America/New_York", "Tue 3 Mar 2026, 04:00–05:00 EST (America/New_York)"),
        ("Australia/Adelaide", "Tue 3 Mar 2026, 19:30–20:30 ACDT (Australia/Adelaide)"),
    ],
    ids=["kolkata-ist", "london-gmt", "new-york-est", "adelaide-acdt"],
)
def test_candidate_sees_slots_in_their_own_time_zone(zone: str, expected: str) -> None:
    view = make_view(candidate=PartyView("k-1", "Tom Okafor", zone))
    card = cards.pick_slot_card(view)
    picks = slot_choices(card)
    assert [slot_id for slot_id, _ in picks] == ["s-1", "s-2"]
    assert picks[0][1] == expected
    local = T0.astimezone(ZoneInfo(zone))
    assert f"{local:%H:%M}" in picks[0][1]
    [book] = [a["data"] for a in actions_of(card, "Action.Submit") if a["data"]["action"] == "pick_slot"]
    assert book == {"action": "pick_slot", "interview_id": "iv-123"}  # + the chosen slot_id
    assert zone in all_text(card)


def test_kolkata_candidate_sees_the_half_hour_offset() -> None:
    title = slot_choices(cards.pick_slot_card(make_view()))[0][1]
    assert "14:30" in title and "IST" in title and "09:00" not in title
    assert T0.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%z") == "+0530"


def test_pick_card_shows_the_message_first_and_lets_the_candidate_propose_times() -> None:
    card = cards.pick_slot_card(make_view(), message="That time was just taken — here is what is still open")
    first = card["body"][0]
    assert first["text"].startswith("That time was just taken") and first["color"] == "Attention"
    show, zone = actions_of(card, "Action.ShowCard")
    assert (show["title"], zone["title"]) == ("None of these work", "Change my time zone")
    assert inputs_of(zone["card"])["zone"]["value"] == "Asia/Kolkata"
    windows = inputs_of(show["card"])["windows"]
    assert windows["isMultiline"] and windows["isRequired"]
    assert windows["placeholder"] == "e.g. Mon–Wed after 14:00, or Thu morning"
    [propose] = actions_of(show["card"], "Action.Submit")
    assert propose["data"] == {"action": "propose_times", "interview_id": "iv-123"}


def test_with_no_slots_only_the_propose_option_is_shown() -> None:
    card = cards.pick_slot_card(make_view(slots=()))
    verbs = [a["data"]["action"] for a in actions_of(card, "Action.Submit")]
    assert verbs == ["propose_times"]
    assert "windows" in inputs_of(card)
    assert "no open times" in all_text(card)


# --- the client offers -----------------------------------------------------------------------


def test_offer_card_keeps_and_explains_refused_slots() -> None:
    view = make_view(client=PartyView("c-1", "Priya Shah", "America/New_York", "Contoso"),
                     candidate_windows=KEPT)
    refused_here = RefusedSlot(SlotRequest(date(2026, 3, 2), time(7, 0), "America/New_York"),
                               RefusalReason.MIN_NOTICE, "Mon 2 Mar 2026, 07:00 EST is too soon.")
    card = cards.offer_slots_card(view, RULES, kept=KEPT, refused=[REFUSED, refused_here],
                                  candidate_windows_text="Thu morning")
    shown = all_text(card)
    assert REFUSED.message in shown and refused_here.message in shown
    # Kept slots and the candidate's windows are shown in the client's zone (New York).
    assert "Thu 5 Mar 2026, 04:00–05:00 EST (America/New_York)" in shown
    assert "Already offered (these stay)" in shown
    assert "“Thu morning”" in shown
    for line in RULES.describe():
        assert line in shown
    inputs = inputs_of(card)
    # The refused time typed in the client's own zone is filled in to be corrected.
    assert inputs["slot_1_date"]["value"] == "2026-03-02"
    assert inputs["slot_1_time"]["value"] == "07:00"
    assert "value" not in inputs["slot_2_date"]
    assert not inputs["slot_1_date"].get("isRequired")  # kept slots already make an offer


@pytest.mark.parametrize("rows", [1, 5, 8], ids=["one-row", "five-rows", "eight-rows"])
def test_offer_card_has_a_date_and_time_per_row_and_the_clients_zone(rows: int) -> None:
    card = cards.offer_slots_card(make_view(), RULES, rows=rows, calendar=True)
    inputs = inputs_of(card)
    expected = {f"slot_{i}_{part}" for i in range(1, rows + 1) for part in ("date", "time")}
    assert set(inputs) == expected | {"zone"}
    assert inputs["slot_1_date"]["type"] == "Input.Date"
    assert inputs["slot_1_time"]["type"] == "Input.Time"
    assert inputs["slot_1_date"]["isRequired"]
    assert inputs["zone"]["value"] == "Europe/London"
    verbs = {a["data"]["action"]: a for a in actions_of(card, "Action.Submit")}
    assert set(verbs) == {"offer_slots", "suggest_slots", "show_availability"}
    assert verbs["offer_slots"]["title"] == "Send these to the candidate"
    assert verbs["suggest_slots"]["associatedInputs"] == "none"
    # No booking page yet: the client is invited to set one (the required dates do not block it).
    assert verbs["show_availability"]["associatedInputs"] == "none"


def test_a_client_asked_under_a_booking_page_is_not_invited_to_set_one() -> None:
    card = cards.offer_slots_card(make_view(page_version=3), RULES)
    assert "show_availability" not in {a["data"]["action"] for a in actions_of(card, "Action.Submit")}


def test_offer_card_adds_an_uncommon_client_zone_to_the_picker() -> None:
    view = make_view(client=PartyView("c-1", "Priya", "Asia/Kathmandu"))
    zone = inputs_of(cards.offer_slots_card(view, RULES))["zone"]
    assert zone["value"] == "Asia/Kathmandu"
    assert zone["choices"][0]["value"] == "Asia/Kathmandu"


# --- booked, reminded, cancelled -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "when", "with_whom"),
    [
        (Role.CLIENT, "09:00–10:00 GMT (Europe/London)", "Tom Okafor"),
        (Role.CANDIDATE, "14:30–15:30 IST (Asia/Kolkata)", "Priya Shah (Contoso Ltd)"),
    ],
    ids=["client-sees-candidate", "candidate-sees-client-and-organisation"],
)
def test_confirmation_is_in_the_readers_zone_and_names_the_other_side(
    role: Role, when: str, with_whom: str
) -> None:
    card = cards.booking_confirmation_card(booked_view(), role)
    fact = facts_of(card)
    assert fact["When"].endswith(when)
    assert fact["With"] == with_whom
    assert fact["Duration"] == "60 minutes" and fact["Format"] == "Teams meeting"
    [join] = actions_of(card, "Action.OpenUrl")
    assert join == {"type": "Action.OpenUrl", "title": "Join Teams meeting",
                    "url": "https://teams.microsoft.com/l/meetup-join/abc"}
    verbs = [a["data"]["action"] for a in actions_of(card, "Action.Submit")]
    assert verbs == ["reschedule", "cancel"]
    [cancel] = actions_of(card, "Action.ShowCard")
    assert "reason" in inputs_of(cancel["card"])


def test_on_site_confirmation_gives_the_location_and_no_join_button() -> None:
    view = booked_view(format=Format.ON_SITE, join_url=None, location="1 High St, Leeds")
    card = cards.booking_confirmation_card(view, Role.CANDIDATE)
    assert "1 High St, Leeds" in all_text(card)
    assert actions_of(card, "Action.OpenUrl") == []


@pytest.mark.parametrize(
    "build",
    [lambda v: cards.booking_confirmation_card(v, Role.CLIENT),
     lambda v: cards.reminder_card(v, Role.CLIENT, hours_before=1)],
    ids=["confirmation", "reminder"],
)
def test_cards_about_a_booking_refuse_an_interview_without_one(build: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="booked time"):
        build(make_view())


@pytest.mark.parametrize(("hours", "headline"), [(24, "in 24 hours"), (1, "in 1 hour")],
                         ids=["day-before", "hour-before"])
def test_reminder_says_when_and_offers_reschedule_and_cancel(hours: int, headline: str) -> None:
    card = cards.reminder_card(booked_view(), Role.CANDIDATE, hours_before=hours)
    assert card["body"][0]["text"] == f"Reminder: your interview is {headline}"
    assert "14:30–15:30 IST (Asia/Kolkata)" in all_text(card)
    assert [a["data"]["action"] for a in actions_of(card, "Action.Submit")] == ["reschedule", "cancel"]


def test_cancellation_tells_who_cancelled_and_why_in_plain_text() -> None:
    reason = "Took another offer [click](https://evil.example)"
    card = cards.cancellation_card(booked_view(), Role.CLIENT, by=Role.CANDIDATE, reason=reason)
    shown = all_text(card)
    assert "cancelled by Tom Okafor" in shown and "09:00–10:00 GMT" in shown
    runs = [n for n in walk(card) if n.get("type") == "TextRun"]
    assert any(r["text"] == reason for r in runs)  # a TextRun: never rendered as markdown
    assert not any(n.get("type") == "TextBlock" and "evil" in n["text"] for n in walk(card))
    mine = cards.cancellation_card(booked_view(), Role.CANDIDATE, by=Role.CANDIDATE, reason=None)
    assert "cancelled by you" in all_text(mine)


@pytest.mark.parametrize(
    ("note", "headline"),
    [
        ("slots_offered", "Slots offered by Priya Shah"),
        ("other_times", "Tom Okafor asked for other times"),
        ("booked", "Interview booked"),
        ("cancelled", "Interview cancelled"),
        ("reminder", "Reminder sent: still waiting for an answer"),
        ("escalation", "Action needed: no answer in time"),
    ],
    ids=lambda v: str(v),
)
def test_recruiter_update_headline_stage_and_time_in_recruiters_zone(note: str, headline: str) -> None:
    view = booked_view(recruiter=PartyView("r-1", "Rita", "America/Los_Angeles"))
    card = cards.recruiter_update_card(view, note, detail="More to say")
    assert headline in [n.get("text") for n in walk(card)]
    fact = facts_of(card)
    assert fact["Stage"] == "Scheduled"
    assert fact["When"] == "Tue 3 Mar 2026, 01:00–02:00 PST (America/Los_Angeles)"
    assert "More to say" in all_text(card)


def test_recruiter_update_with_an_unknown_note_still_reports_the_facts() -> None:
    card = cards.recruiter_update_card(make_view(), "update")
    assert card["body"][0]["text"] == "Interview update"
    fact = facts_of(card)
    assert fact["Stage"] == "Waiting for the candidate's pick" and fact["Slots offered"] == "2"


# --- feedback --------------------------------------------------------------------------------


def test_client_feedback_card_is_prefilled_for_editing_and_shows_problems() -> None:
    values = {"rating": "4", "impressions": "Sharp", "qualification": "partly",
              "concerns": "Notice period", "recommendation": "another_round"}
    card = cards.client_feedback_card(booked_view(), values=values,
                                      problems={"rating": "9 is out of range."})
    inputs = inputs_of(card)
    assert set(inputs) == set(values)
    assert {k: inputs[k]["value"] for k in values} == values
    assert inputs["rating"]["style"] == "expanded"
    assert [c["value"] for c in inputs["rating"]["choices"]] == ["1", "2", "3", "4", "5"]
    assert [c["value"] for c in inputs["recommendation"]["choices"]] == [
        "another_round", "offer", "reject", "unsure"]
    assert "9 is out of range." in all_text(card)
    [send] = actions_of(card, "Action.Submit")
    assert send["data"] == {"action": "client_feedback", "interview_id": "iv-123"}


def test_candidate_feedback_card_is_prefilled_and_submits_its_verb() -> None:
    values = {"rating": "3", "impressions": "Nice", "interest": "maybe", "concerns": ""}
    card = cards.candidate_feedback_card(booked_view(), values=values)
    inputs = inputs_of(card)
    assert set(inputs) == {"rating", "impressions", "interest", "concerns"}
    assert inputs["interest"]["value"] == "maybe" and inputs["rating"]["value"] == "3"
    assert [c["value"] for c in inputs["interest"]["choices"]] == ["yes", "maybe", "no"]
    assert "value" not in inputs["concerns"]
    [send] = actions_of(card, "Action.Submit")
    assert send["data"] == {"action": "candidate_feedback", "interview_id": "iv-123"}


def test_feedback_summary_shows_both_sides_and_one_click_decisions() -> None:
    card = cards.feedback_summary_card(booked_view(), CLIENT_FB, CANDIDATE_FB, OFFER)
    shown = all_text(card)
    for expected in ("4 / 5", "5 / 5", "Yes: both want to go on", "Both sides are keen.",
                     "Suggested next step: Make an offer", "Salary?"):
        assert expected in shown
    decisions = actions_of(card, "Action.Submit")
    assert [a["data"] for a in decisions] == [
        {"action": "decide", "interview_id": "iv-123", "decision": d}
        for d in ("another_round", "offer", "reject", "on_hold")
    ]
    assert [a.get("style") for a in decisions] == [None, "positive", None, None]


def test_feedback_summary_with_no_answers_says_so() -> None:
    card = cards.feedback_summary_card(booked_view(), None, None,
                                       Suggestion(NextStep.WAIT, "Neither side answered."))
    shown = all_text(card)
    assert "No feedback from the client." in shown and "No feedback from the candidate." in shown
    assert not any(a.get("style") == "positive" for a in actions_of(card))


# --- recruiter's pipeline, help, the request form ------------------------------------------


def test_pipeline_shows_the_first_ten_and_links_the_tracker() -> None:
    card = cards.pipeline_card(ROWS, title="Your pipeline", tracker_url="https://a.example/tracker")
    shown = all_text(card)
    assert "Cand 9" in shown and "Cand 10" not in shown
    assert "…and 4 more on the tracker." in shown
    assert "Overdue: Chase the client for slots" in shown
    assert actions_of(card, "Action.OpenUrl") == [{"type": "Action.OpenUrl", "title": "Open the tracker",
                                                   "url": "https://a.example/tracker"}]
    # Each interview shown can be handed over from its row.
    assert [a["data"] for a in actions_of(card, "Action.Submit")] == [
        {"action": "handover_form", "interview_id": f"iv-{i}"} for i in range(10)
    ]


@pytest.mark.parametrize("build", [cards.help_card, cards.welcome_card], ids=["help", "welcome"])
def test_help_and_welcome_offer_every_command_as_a_button(build: Callable[[], dict[str, Any]]) -> None:
    data = [a["data"] for a in actions_of(build(), "Action.Submit")]
    assert data == [{"action": "command", "command": c}
                    for c in ("schedule", "pipeline", "upcoming", "help")]


def test_request_form_has_the_agreed_inputs_defaults_and_errors() -> None:
    card = cards.schedule_request_card(
        {"client_name": "Priya", "candidate_zone": "Asia/Kolkata", "format": "phone"},
        {"client_email": "That is not an e-mail address."},
    )
    inputs = inputs_of(card)
    assert list(inputs) == ["client_name", "client_email", "client_organisation", "client_zone",
                            "candidate_name", "candidate_email", "candidate_zone", "role_title",
                            "duration_minutes", "format", "times_from", "location", "deadline",
                            "panel", "co_recruiters"]
    assert inputs["client_name"]["value"] == "Priya"
    assert inputs["candidate_zone"]["value"] == "Asia/Kolkata"
    assert inputs["format"]["value"] == "phone"
    assert inputs["duration_minutes"]["value"] == "60"
    assert [c["value"] for c in inputs["duration_minutes"]["choices"]] == ["30", "45", "60", "90"]
    assert [c["value"] for c in inputs["format"]["choices"]] == ["teams", "on_site", "phone"]
    assert not inputs["location"].get("isRequired") and not inputs["deadline"].get("isRequired")
    assert inputs["panel"]["isMultiline"] is True and not inputs["panel"].get("isRequired")
    assert inputs["deadline"]["type"] == "Input.Date"
    error = next(n for n in walk(card) if n.get("type") == "TextRun")
    assert error["text"] == "Client e-mail: That is not an e-mail address."
    assert error["color"] == "Attention"
    [send] = actions_of(card, "Action.Submit")
    assert send["data"] == {"action": "request_interview"}


def test_zone_pickers_offer_real_zones_including_the_ones_we_test() -> None:
    inputs = inputs_of(cards.schedule_request_card())
    values = [c["value"] for c in inputs["client_zone"]["choices"]]
    for needed in ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
                   "UTC", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles"):
        assert needed in values
    assert 35 <= len(values) <= 60 and len(set(values)) == len(values)
    for name in values:
        ZoneInfo(name)
    assert inputs["client_zone"]["style"] == "filtered" and inputs["client_zone"]["isRequired"]


def test_the_dialogs_wrap_a_card_as_a_bot_framework_attachment() -> None:
    from dialogs.common import attachment

    card = cards.help_card()
    wrapped = attachment(card)
    assert wrapped.content_type == "application/vnd.microsoft.card.adaptive"
    assert wrapped.content is card


def test_no_card_module_imports_botbuilder() -> None:
    from pathlib import Path

    package = Path(cards.__file__).parent
    importers = sorted(p.name for p in package.glob("*.py") if "botbuilder" in p.read_text())
    assert importers == []
