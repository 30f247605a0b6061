"""Feedback after the interview: card submits validated, and the suggested next step."""

from __future__ import annotations

import pytest

from scheduling.errors import DomainError
from scheduling.feedback import (
    CandidateFeedback,
    ClientFeedback,
    Interest,
    InvalidFeedback,
    NextStep,
    Qualification,
    Recommendation,
    parse_candidate_feedback,
    parse_client_feedback,
    suggest_next_step,
)

CLIENT_SUBMIT: dict[str, object] = {
    "rating": "4",
    "impressions": "  Sharp, asked good questions.  ",
    "qualification": "yes",
    "concerns": "",
    "recommendation": "offer",
    "action": "submit_feedback",  # card plumbing, ignored
}
CANDIDATE_SUBMIT: dict[str, object] = {
    "rating": 5,
    "impressions": "Friendly team.",
    "interest": "maybe",
}


def test_a_complete_client_submit_is_parsed_and_trimmed() -> None:
    assert parse_client_feedback(CLIENT_SUBMIT) == ClientFeedback(
        rating=4,
        impressions="Sharp, asked good questions.",
        qualification=Qualification.YES,
        concerns="",
        recommendation=Recommendation.OFFER,
    )


def test_a_candidate_submit_without_optional_text_is_parsed() -> None:
    assert parse_candidate_feedback(CANDIDATE_SUBMIT) == CandidateFeedback(
        rating=5, impressions="Friendly team.", interest=Interest.MAYBE, concerns=""
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (" 5 ", 5), (3, 3), (2.0, 2), ("+4", 4)],
    ids=["string one", "padded five", "int", "whole float", "plus sign"],
)
def test_ratings_arrive_as_numbers_or_strings(value: object, expected: int) -> None:
    assert parse_client_feedback({**CLIENT_SUBMIT, "rating": value}).rating == expected


@pytest.mark.parametrize(
    ("value", "must_say"),
    [
        ("7", "7 is out of range"),
        ("0", "0 is out of range"),
        (-1, "-1 is out of range"),
        ("great", "“great” is not a number"),
        ("4.5", "“4.5” is not a number"),
        (True, "“True” is not a number"),
        (None, "Please give an overall rating from 1 to 5"),
        ("  ", "Please give an overall rating from 1 to 5"),
    ],
    ids=["seven", "zero", "negative", "word", "half", "boolean", "missing", "blank"],
)
def test_a_bad_rating_is_refused_with_what_to_do(value: object, must_say: str) -> None:
    with pytest.raises(InvalidFeedback) as error:
        parse_client_feedback({**CLIENT_SUBMIT, "rating": value})
    assert list(error.value.problems) == ["rating"]
    assert must_say in error.value.problems["rating"]
    assert "1 to 5" in error.value.problems["rating"]
    assert must_say in error.value.message


@pytest.mark.parametrize(
    ("values", "expected_fields"),
    [
        ({}, ["rating", "qualification", "recommendation"]),
        ({**CLIENT_SUBMIT, "qualification": "maybe"}, ["qualification"]),
        ({**CLIENT_SUBMIT, "recommendation": ""}, ["recommendation"]),
        ({**CLIENT_SUBMIT, "impressions": "x" * 2001}, ["impressions"]),
        ({**CLIENT_SUBMIT, "concerns": 42}, ["concerns"]),
        ({**CLIENT_SUBMIT, "rating": "9", "concerns": "y" * 3000}, ["rating", "concerns"]),
    ],
    ids=[
        "empty submit",
        "unknown qualification",
        "blank recommendation",
        "impressions too long",
        "concerns not text",
        "every problem at once",
    ],
)
def test_every_client_problem_is_reported_at_once(
    values: dict[str, object], expected_fields: list[str]
) -> None:
    with pytest.raises(InvalidFeedback) as error:
        parse_client_feedback(values)
    assert isinstance(error.value, DomainError)
    assert sorted(error.value.problems) == sorted(expected_fields)
    for problem in error.value.problems.values():
        assert problem in error.value.message


def test_text_of_exactly_2000_characters_is_kept_after_trimming() -> None:
    text = "z" * 2000
    parsed = parse_client_feedback({**CLIENT_SUBMIT, "impressions": f"  {text}\n"})
    assert parsed.impressions == text


def test_too_long_text_says_how_long_it_is_and_the_limit() -> None:
    with pytest.raises(InvalidFeedback) as error:
        parse_candidate_feedback({**CANDIDATE_SUBMIT, "concerns": "w" * 2345})
    assert "2,345 characters" in error.value.problems["concerns"]
    assert "2,000" in error.value.problems["concerns"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("another_round", Recommendation.ANOTHER_ROUND),
        ("Another round", Recommendation.ANOTHER_ROUND),
        ("another-round", Recommendation.ANOTHER_ROUND),
        (" REJECT ", Recommendation.REJECT),
        ("unsure", Recommendation.UNSURE),
    ],
    ids=["value", "label", "hyphen", "shouting", "unsure"],
)
def test_choices_are_read_leniently(raw: str, expected: Recommendation) -> None:
    assert parse_client_feedback({**CLIENT_SUBMIT, "recommendation": raw}).recommendation is expected


@pytest.mark.parametrize(
    ("values", "expected_fields"),
    [
        ({}, ["rating", "interest"]),
        ({"rating": "3", "interest": "perhaps"}, ["interest"]),
        ({"rating": "six", "interest": "no"}, ["rating"]),
    ],
    ids=["empty", "unknown interest", "rating in words"],
)
def test_every_candidate_problem_is_reported(values: dict[str, object], expected_fields: list[str]) -> None:
    with pytest.raises(InvalidFeedback) as error:
        parse_candidate_feedback(values)
    assert sorted(error.value.problems) == sorted(expected_fields)


# --- the suggestion table ---------------------------------------------------------------------


def client(
    recommendation: Recommendation = Recommendation.OFFER,
    qualification: Qualification = Qualification.YES,
    rating: int = 4,
) -> ClientFeedback:
    return ClientFeedback(rating, "", qualification, "", recommendation)


def candidate(interest: Interest = Interest.YES, rating: int = 4) -> CandidateFeedback:
    return CandidateFeedback(rating, "", interest, "")


Rec, Qual, Int = Recommendation, Qualification, Interest


@pytest.mark.parametrize(
    ("client_side", "candidate_side", "window_closed", "expected"),
    [
        (None, None, False, NextStep.WAIT),
        (None, None, True, NextStep.WAIT),
        (None, candidate(), False, NextStep.WAIT),
        (client(), None, False, NextStep.WAIT),
        (client(), candidate(Int.NO), False, NextStep.CLOSE),
        (client(Rec.REJECT, Qual.NO), candidate(Int.NO), False, NextStep.CLOSE),
        (None, candidate(Int.NO), True, NextStep.CLOSE),
        (client(Rec.REJECT), candidate(), False, NextStep.REJECT),
        (client(Rec.OFFER, Qual.NO), candidate(), False, NextStep.REJECT),
        (client(Rec.REJECT), None, True, NextStep.REJECT),
        (None, candidate(Int.YES), True, NextStep.CALL),
        (client(), candidate(Int.YES), False, NextStep.OFFER),
        (client(rating=3), candidate(Int.YES), False, NextStep.OFFER),
        (client(), candidate(Int.MAYBE), False, NextStep.CALL),
        (client(), None, True, NextStep.CALL),
        (client(Rec.OFFER, Qual.PARTLY), candidate(), False, NextStep.ANOTHER_ROUND),
        (client(Rec.ANOTHER_ROUND), candidate(Int.MAYBE), False, NextStep.ANOTHER_ROUND),
        (client(Rec.ANOTHER_ROUND), None, True, NextStep.ANOTHER_ROUND),
        (client(Rec.UNSURE), candidate(), False, NextStep.CALL),
        (client(rating=2), candidate(), False, NextStep.CALL),
    ],
    ids=[
        "row 1/3: nothing yet",
        "row 3: nothing at all when the window closed",
        "row 1: client still to answer",
        "row 2: candidate still to answer",
        "row 4: candidate no longer interested",
        "row 4: both say no — close",
        "row 4: only the candidate answered, no",
        "row 5: client recommends reject",
        "row 5: qualifications not met",
        "row 5: only the client answered, reject",
        "row 6: client silent, candidate keen",
        "row 7: everyone agrees",
        "row 7: a middling rating still offers",
        "row 8: candidate unsure",
        "row 8: candidate silent",
        "row 9: qualifications only partly met",
        "row 9: client asks for another round",
        "row 9: another round without the candidate",
        "row 10: client unsure",
        "row 10: offer with a low rating",
    ],
)
def test_the_suggested_next_step_follows_the_table(
    client_side: ClientFeedback | None,
    candidate_side: CandidateFeedback | None,
    window_closed: bool,
    expected: NextStep,
) -> None:
    suggestion = suggest_next_step(client_side, candidate_side, window_closed=window_closed)
    assert suggestion.step is expected
    assert suggestion.reason.endswith(".")
