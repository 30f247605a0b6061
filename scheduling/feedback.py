"""Feedback after an interview: parsing card submits and suggesting a next step.

Card submits arrive as a flat mapping of strings (Adaptive Card inputs); ratings may be "4" rather
than 4. Unknown keys (action names, ids) are ignored. Every problem is collected, so one answer
tells the person everything there is to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from scheduling.errors import DomainError

__all__ = [
    "MAX_TEXT_LENGTH",
    "PANEL_RULE",
    "CandidateFeedback",
    "ClientFeedback",
    "Interest",
    "InvalidFeedback",
    "NextStep",
    "PanelAnswer",
    "PanelVerdict",
    "Qualification",
    "Recommendation",
    "Suggestion",
    "panel_verdict",
    "parse_candidate_feedback",
    "parse_client_feedback",
    "suggest_for_panel",
    "suggest_next_step",
]

MAX_TEXT_LENGTH = 2000
MIN_RATING, MAX_RATING = 1, 5


class Qualification(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Recommendation(StrEnum):
    ANOTHER_ROUND = "another_round"
    OFFER = "offer"
    REJECT = "reject"
    UNSURE = "unsure"


class Interest(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class NextStep(StrEnum):
    OFFER = "offer"
    ANOTHER_ROUND = "another_round"
    CALL = "call"
    REJECT = "reject"
    CLOSE = "close"
    WAIT = "wait"


@dataclass(frozen=True)
class ClientFeedback:
    rating: int
    impressions: str
    qualification: Qualification
    concerns: str
    recommendation: Recommendation


@dataclass(frozen=True)
class CandidateFeedback:
    rating: int
    impressions: str
    interest: Interest
    concerns: str


class InvalidFeedback(DomainError):
    """A feedback submit with problems; ``problems`` maps each field to what to fix."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems: dict[str, str] = dict(problems)
        super().__init__("Please fix your answers and send them again: " + " ".join(problems.values()))


_E = TypeVar("_E", bound=StrEnum)


class _Reader:
    """Reads fields off a raw submit, collecting problems instead of stopping at the first."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = values
        self.problems: dict[str, str] = {}

    def rating(self, key: str, what: str) -> int:
        raw = self.values.get(key)
        text = raw.strip() if isinstance(raw, str) else raw
        if text is None or text == "":
            self.problems[key] = f"Please give {what} from {MIN_RATING} to {MAX_RATING}."
            return 0
        number: int | None = None
        if isinstance(text, int) and not isinstance(text, bool):
            number = text
        elif isinstance(text, str) and text.lstrip("+-").isdigit() and text.isascii():
            number = int(text)
        elif isinstance(text, float) and text.is_integer():
            number = int(text)
        if number is None:
            self.problems[key] = (
                f"“{_preview(text)}” is not a number — please give {what} from {MIN_RATING} to {MAX_RATING}."
            )
            return 0
        if not MIN_RATING <= number <= MAX_RATING:
            self.problems[key] = (
                f"{number} is out of range — please give {what} from {MIN_RATING} to {MAX_RATING}."
            )
            return 0
        return number

    def text(self, key: str, what: str) -> str:
        raw = self.values.get(key)
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.problems[key] = f"Please write your {what} as text."
            return ""
        text = raw.strip()
        if len(text) > MAX_TEXT_LENGTH:
            self.problems[key] = (
                f"Your {what} are {len(text):,} characters long — please shorten them to "
                f"{MAX_TEXT_LENGTH:,} characters or fewer."
            )
            return ""
        return text

    def choice(self, key: str, enum: type[_E], question: str, options: str) -> _E:
        raw = self.values.get(key)
        if isinstance(raw, str) and raw.strip():
            normalised = raw.strip().lower().replace(" ", "_").replace("-", "_")
            for member in enum:
                if member.value == normalised:
                    return member
            self.problems[key] = (
                f"“{_preview(raw)}” is not an answer to “{question}” — please choose {options}."
            )
        else:
            self.problems[key] = f"Please answer “{question}” ({options})."
        return next(iter(enum))

    def done(self) -> None:
        if self.problems:
            raise InvalidFeedback(self.problems)


def _preview(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def parse_client_feedback(values: Mapping[str, object]) -> ClientFeedback:
    """Validate a client's feedback submit; raises :class:`InvalidFeedback` listing every problem.

    Required: ``rating`` (1–5), ``qualification`` (yes / partly / no) and ``recommendation``
    (another_round / offer / reject / unsure). Optional free text: ``impressions``, ``concerns``
    (trimmed, at most 2,000 characters).
    """
    read = _Reader(values)
    feedback = ClientFeedback(
        rating=read.rating("rating", "an overall rating"),
        impressions=read.text("impressions", "impressions"),
        qualification=read.choice(
            "qualification",
            Qualification,
            "Does the candidate meet the qualifications?",
            "yes, partly or no",
        ),
        concerns=read.text("concerns", "concerns or suggestions"),
        recommendation=read.choice(
            "recommendation",
            Recommendation,
            "What next step do you recommend?",
            "another round, offer, reject or unsure",
        ),
    )
    read.done()
    return feedback


def parse_candidate_feedback(values: Mapping[str, object]) -> CandidateFeedback:
    """Validate a candidate's feedback submit; raises :class:`InvalidFeedback` with every problem.

    Required: ``rating`` (1–5) and ``interest`` (yes / maybe / no). Optional free text:
    ``impressions``, ``concerns`` (trimmed, at most 2,000 characters).
    """
    read = _Reader(values)
    feedback = CandidateFeedback(
        rating=read.rating("rating", "a rating of your experience"),
        impressions=read.text("impressions", "impressions"),
        interest=read.choice(
            "interest", Interest, "Are you still interested in the role?", "yes, maybe or no"
        ),
        concerns=read.text("concerns", "concerns"),
    )
    read.done()
    return feedback


@dataclass(frozen=True)
class Suggestion:
    """A next step for the recruiter and the reason, in one sentence they can read out."""

    step: NextStep
    reason: str


LOW_RATING = 2  # a client rating at or below this contradicts a recommendation to offer


def suggest_next_step(
    client: ClientFeedback | None,
    candidate: CandidateFeedback | None,
    *,
    window_closed: bool = False,
) -> Suggestion:
    """The next step to suggest to the recruiter; the recruiter decides.

    The first matching row wins:

    ====  ====================================================  ==============  =============
    row   client                                                candidate       → step
    ====  ====================================================  ==============  =============
    1     missing, window still open                            any             WAIT
    2     any                                                   missing, open   WAIT
    3     missing (window closed)                               missing         WAIT
    4     any                                                   NO              CLOSE
    5     recommends REJECT, or qualification NO                any             REJECT
    6     missing (window closed)                               YES / MAYBE     CALL (client)
    7     OFFER, qualification YES, rating > 2                  YES             OFFER
    8     OFFER, qualification YES, rating > 2                  MAYBE / missing CALL (candidate)
    9     OFFER with qualification PARTLY, or ANOTHER_ROUND     YES / MAYBE /   ANOTHER_ROUND
                                                                missing
    10    anything else: UNSURE, or OFFER with a rating ≤ 2     any             CALL (client)
    ====  ====================================================  ==============  =============

    Ratings only matter in rows 7, 8 and 10 (a low rating contradicts an offer); they are shown
    in the recruiter's summary either way.
    """
    if client is None and candidate is None:  # rows 1–3
        return Suggestion(NextStep.WAIT, "Neither side has given feedback yet.")
    if not window_closed and client is None:  # row 1
        return Suggestion(NextStep.WAIT, "Waiting for the client's feedback.")
    if not window_closed and candidate is None:  # row 2
        return Suggestion(NextStep.WAIT, "Waiting for the candidate's feedback.")
    if candidate is not None and candidate.interest is Interest.NO:  # row 4
        return Suggestion(NextStep.CLOSE, "The candidate is no longer interested in the role.")
    if client is None:  # row 6 (candidate is YES or MAYBE here)
        return Suggestion(
            NextStep.CALL,
            "The client did not give feedback in time; call them for their verdict.",
        )
    if client.recommendation is Recommendation.REJECT:  # row 5
        return Suggestion(NextStep.REJECT, "The client recommends rejecting the candidate.")
    if client.qualification is Qualification.NO:  # row 5
        return Suggestion(NextStep.REJECT, "The client says the candidate does not meet the qualifications.")
    confident_offer = (
        client.recommendation is Recommendation.OFFER
        and client.qualification is Qualification.YES
        and client.rating > LOW_RATING
    )
    if confident_offer and candidate is not None and candidate.interest is Interest.YES:  # row 7
        return Suggestion(
            NextStep.OFFER,
            "The client recommends an offer and says the candidate meets the qualifications, "
            "and the candidate is still interested.",
        )
    if confident_offer:  # row 8
        why = "is unsure about the role" if candidate is not None else "did not give feedback in time"
        return Suggestion(
            NextStep.CALL,
            f"The client recommends an offer but the candidate {why}; call the candidate before making one.",
        )
    if client.recommendation is Recommendation.ANOTHER_ROUND or (
        client.recommendation is Recommendation.OFFER and client.qualification is Qualification.PARTLY
    ):  # row 9
        return Suggestion(
            NextStep.ANOTHER_ROUND,
            "The client wants to see more of the candidate"
            + (
                " (they meet the qualifications only partly)."
                if client.qualification is Qualification.PARTLY
                else "."
            ),
        )
    # row 10
    return Suggestion(
        NextStep.CALL,
        "The client's feedback is mixed (unsure, or a low rating with an offer); "
        "call the client to agree the next step.",
    )


# Panels ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelAnswer:
    """One interviewer's feedback (None: not given), by name."""

    name: str
    feedback: ClientFeedback | None
    required: bool = True


@dataclass(frozen=True)
class PanelVerdict:
    """What a panel's answers come to: one client-side answer the table above can read when the
    interviewers agree (None when nobody answered, or they disagree), and what they disagree on."""

    combined: ClientFeedback | None
    disagreement: str | None
    waiting_for: tuple[str, ...]


# How a panel is weighed, said on the recruiter's summary card.
PANEL_RULE = (
    "How the panel is weighed: every required interviewer's answer is waited for until the "
    "window closes; optional ones count when they answer. When the interviewers recommend the "
    "same step it counts as one client's answer, with the lowest qualification and the average "
    "rating; when they recommend different steps, the suggestion is to talk to them first."
)
SPREAD = 2  # ratings this far apart are flagged even when the recommendations agree

_QUALIFICATION_ORDER = (Qualification.NO, Qualification.PARTLY, Qualification.YES)
_RECOMMENDATION_WORDS = {
    Recommendation.OFFER: "an offer",
    Recommendation.ANOTHER_ROUND: "another round",
    Recommendation.REJECT: "rejecting",
    Recommendation.UNSURE: "is unsure",
}


def panel_verdict(answers: Sequence[PanelAnswer]) -> PanelVerdict:
    """Combine the interviewers' answers (see ``PANEL_RULE``)."""
    given = [(a.name, a.feedback) for a in answers if a.feedback is not None]
    waiting = tuple(a.name for a in answers if a.required and a.feedback is None)
    if not given:
        return PanelVerdict(None, None, waiting)
    recommendations = {f.recommendation for _, f in given}
    ratings = [f.rating for _, f in given]
    if len(recommendations) > 1:
        said = "; ".join(
            f"{name} {'' if f.recommendation is Recommendation.UNSURE else 'recommends '}"
            f"{_RECOMMENDATION_WORDS[f.recommendation]} ({f.rating}/5)"
            for name, f in given
        )
        return PanelVerdict(None, f"The interviewers disagree: {said}.", waiting)
    disagreement = None
    if max(ratings) - min(ratings) >= SPREAD:
        disagreement = (
            "The interviewers agree on the step but their ratings are far apart ("
            + ", ".join(f"{name} {f.rating}/5" for name, f in given) + ")."
        )
    first = given[0][1]
    combined = ClientFeedback(
        rating=sum(ratings) // len(ratings),
        impressions="",
        qualification=min((f.qualification for _, f in given), key=_QUALIFICATION_ORDER.index),
        concerns="",
        recommendation=first.recommendation,
    )
    return PanelVerdict(combined, disagreement, waiting)


def suggest_for_panel(
    answers: Sequence[PanelAnswer],
    candidate: CandidateFeedback | None,
    *,
    window_closed: bool = False,
) -> Suggestion:
    """The next step for a panel: the table of :func:`suggest_next_step` over the combined
    answer; waiting while a required interviewer has not answered and the window is open; when
    the interviewers recommend different steps, a call with them (unless the candidate is out)."""
    verdict = panel_verdict(answers)
    if not window_closed and verdict.waiting_for:
        return Suggestion(NextStep.WAIT, "Waiting for feedback from " + _names(verdict.waiting_for) + ".")
    if verdict.combined is None and verdict.disagreement is not None:
        if not window_closed and candidate is None:
            return Suggestion(NextStep.WAIT, "Waiting for the candidate's feedback.")
        if candidate is not None and candidate.interest is Interest.NO:
            return Suggestion(NextStep.CLOSE, "The candidate is no longer interested in the role.")
        return Suggestion(
            NextStep.CALL, verdict.disagreement + " Talk to the panel to agree the next step."
        )
    return suggest_next_step(verdict.combined, candidate, window_closed=window_closed)


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
