"""Cards of the feedback journey: ask each side, then summarise for the recruiter
(``docs/architecture.md``, "After the interview").

The input ids and choice values are the ones ``scheduling.feedback.parse_*_feedback`` reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cards._base import (
    Card,
    Element,
    card,
    container,
    facts,
    field_problems,
    heading,
    input_choice,
    input_text,
    md,
    plain,
    submit,
    subtle,
    text,
    verb,
)
from cards.i18n import N_, language_for, tr
from cards.i18n import format_local_range as local_range
from cards.interview_cards import FEEDBACK_BUTTON, recruiter_update_card
from scheduling.feedback import (
    MAX_TEXT_LENGTH,
    PANEL_RULE,
    CandidateFeedback,
    ClientFeedback,
    Interest,
    NextStep,
    PanelAnswer,
    Qualification,
    Recommendation,
    Suggestion,
    panel_verdict,
)
from scheduling.interview import InterviewView, Role

__all__ = [
    "DECISIONS",
    "candidate_feedback_card",
    "client_feedback_card",
    "feedback_prompt_card",
    "feedback_summary_card",
    "no_show_card",
]

RATINGS = (("1", N_("1 – poor")), ("2", "2"), ("3", N_("3 – fine")), ("4", "4"), ("5", N_("5 – excellent")))
QUALIFICATION_LABELS = {Qualification.YES: "Yes", Qualification.PARTLY: "Partly",
                        Qualification.NO: "No"}
RECOMMENDATION_LABELS = {
    Recommendation.ANOTHER_ROUND: "Another interview round",
    Recommendation.OFFER: "Make an offer",
    Recommendation.REJECT: "Reject",
    Recommendation.UNSURE: "Not sure yet",
}
INTEREST_LABELS = {Interest.YES: N_("Yes"), Interest.MAYBE: N_("Maybe"), Interest.NO: N_("No")}
NEXT_STEP_LABELS = {
    NextStep.OFFER: "Make an offer",
    NextStep.ANOTHER_ROUND: "Another interview round",
    NextStep.CALL: "Call before deciding",
    NextStep.REJECT: "Reject",
    NextStep.CLOSE: "Close: the candidate has withdrawn",
    NextStep.WAIT: "Wait for feedback",
}
# The recruiter's one-click decisions, value → button title.
DECISIONS: Mapping[str, str] = {
    "another_round": "Another round",
    "offer": "Offer",
    "reject": "Reject",
    "on_hold": "On hold",
}
_STEP_TO_DECISION = {NextStep.OFFER: "offer", NextStep.ANOTHER_ROUND: "another_round",
                     NextStep.REJECT: "reject", NextStep.CLOSE: "reject"}


def _problem_below(problems: Mapping[str, str] | None, key: str) -> list[Element]:
    if problems and key in problems:
        return [plain(problems[key], color="Attention")]
    return []


def _when(view: InterviewView, zone: str, lang: str = "en") -> str:
    return local_range(view.booked, zone, lang) if view.booked is not None else ""


def client_feedback_card(
    view: InterviewView,
    *,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
) -> Card:
    """For the client after the interview; ``values`` pre-fills (editing), ``problems`` explains."""
    v = dict(values or {})
    labels = {
        "rating": "Overall rating",
        "impressions": "Impressions of the candidate",
        "qualification": "Meets the qualifications?",
        "concerns": "Concerns or suggestions",
        "recommendation": "Recommended next step",
    }
    body: list[Element] = [
        heading(f"How did the interview with {md(view.candidate.name)} go?"),
        facts([("Role", view.role_title), ("When", _when(view, view.client.zone))]),
        subtle("Only the recruiter sees your answers; the candidate does not."),
        *field_problems(problems, labels),
        input_choice("rating", labels["rating"], RATINGS, value=v.get("rating"), required=True,
                     style="expanded", error="Please give a rating from 1 to 5."),
        *_problem_below(problems, "rating"),
        input_text("impressions", labels["impressions"], value=v.get("impressions"),
                   multiline=True, max_length=MAX_TEXT_LENGTH,
                   placeholder="Strengths, how they came across"),
        *_problem_below(problems, "impressions"),
        input_choice("qualification", labels["qualification"],
                     [(q.value, QUALIFICATION_LABELS[q]) for q in Qualification],
                     value=v.get("qualification"), required=True, style="expanded",
                     error="Please say whether the candidate meets the qualifications."),
        *_problem_below(problems, "qualification"),
        input_text("concerns", labels["concerns"], value=v.get("concerns"), multiline=True,
                   max_length=MAX_TEXT_LENGTH),
        *_problem_below(problems, "concerns"),
        input_choice("recommendation", labels["recommendation"],
                     [(r.value, RECOMMENDATION_LABELS[r]) for r in Recommendation],
                     value=v.get("recommendation"), required=True, style="expanded",
                     error="Please choose the next step you recommend."),
        *_problem_below(problems, "recommendation"),
    ]
    return card(
        body,
        [submit(FEEDBACK_BUTTON, verb("client_feedback", view.id), style="positive")],
        fallback="Interview feedback: please open this in Teams or the askARSAN chat page.",
    )


def candidate_feedback_card(
    view: InterviewView,
    *,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
) -> Card:
    """For the candidate after the interview; ``values`` pre-fills, ``problems`` explains."""
    v = dict(values or {})
    lang = language_for(view, Role.CANDIDATE)
    org = view.client.organisation or view.client.name
    labels = {
        "rating": tr(lang, "Your experience"),
        "impressions": tr(lang, "Impressions of {org} and the role", org=org),
        "interest": tr(lang, "Still interested in the role?"),
        "concerns": tr(lang, "Concerns or questions"),
    }
    body: list[Element] = [
        heading(tr(lang, "How was your interview?")),
        facts([(tr(lang, "Role"), view.role_title), (tr(lang, "With"), org),
               (tr(lang, "When"), _when(view, view.candidate.zone, lang))]),
        subtle(tr(lang, "Only your recruiter sees your answers; the client does not.")),
        *field_problems(problems, labels),
        input_choice("rating", labels["rating"], [(k, tr(lang, label)) for k, label in RATINGS],
                     value=v.get("rating"), required=True,
                     style="expanded", error=tr(lang, "Please give a rating from 1 to 5.")),
        *_problem_below(problems, "rating"),
        input_text("impressions", labels["impressions"], value=v.get("impressions"),
                   multiline=True, max_length=MAX_TEXT_LENGTH),
        *_problem_below(problems, "impressions"),
        input_choice("interest", labels["interest"],
                     [(i.value, tr(lang, INTEREST_LABELS[i])) for i in Interest],
                     value=v.get("interest"), required=True, style="expanded",
                     error=tr(lang, "Please say whether you are still interested.")),
        *_problem_below(problems, "interest"),
        input_text("concerns", labels["concerns"], value=v.get("concerns"), multiline=True,
                   max_length=MAX_TEXT_LENGTH),
        *_problem_below(problems, "concerns"),
    ]
    return card(
        body,
        [submit(tr(lang, FEEDBACK_BUTTON), verb("candidate_feedback", view.id), style="positive")],
        fallback=tr(lang, "Interview feedback: please open this in the askARSAN chat page."),
    )


def _free_text(title: str, value: str) -> list[Element]:
    return [text(title, weight="Bolder"), plain(value, italic=True)] if value else []


def feedback_summary_card(
    view: InterviewView,
    client: ClientFeedback | None,
    candidate: CandidateFeedback | None,
    suggestion: Suggestion,
    *,
    panel: Sequence[PanelAnswer] = (),
) -> Card:
    """For the recruiter: both sides' answers (each interviewer's, for a panel, with any
    disagreement flagged and how the panel is weighed), the suggested next step and the
    decision buttons."""
    body: list[Element] = [
        heading(f"Feedback: {md(view.candidate.name)} for {md(view.role_title)}"),
        facts([("Client", view.client.name + (f" ({view.client.organisation})"
                                              if view.client.organisation else "")),
               ("Interview", _when(view, view.recruiter.zone)),
               ("Round", str(view.round))]),
    ]
    client_items: list[Element] = [text(f"Client: {md(view.client.name)}", weight="Bolder")]
    if client is None:
        client_items.append(subtle("No feedback from the client."))
    else:
        client_items += [
            facts([("Rating", f"{client.rating} / 5"),
                   ("Meets the qualifications", QUALIFICATION_LABELS[client.qualification]),
                   ("Recommends", RECOMMENDATION_LABELS[client.recommendation])]),
            *_free_text("Impressions", client.impressions),
            *_free_text("Concerns or suggestions", client.concerns),
        ]
    candidate_items: list[Element] = [text(f"Candidate: {md(view.candidate.name)}", weight="Bolder")]
    if candidate is None:
        candidate_items.append(subtle("No feedback from the candidate."))
    else:
        candidate_items += [
            facts([("Rating", f"{candidate.rating} / 5"),
                   ("Still interested", INTEREST_LABELS[candidate.interest])]),
            *_free_text("Impressions", candidate.impressions),
            *_free_text("Concerns", candidate.concerns),
        ]
    verdict = panel_verdict(panel) if panel else None
    if panel:
        body += [_interviewer_items(answer) for answer in panel]
        if verdict is not None and verdict.disagreement:
            body.append(container([text("⚠ " + md(verdict.disagreement), weight="Bolder")],
                                  style="attention"))
    else:
        body.append(container(client_items, separator=True))
    body.append(container(candidate_items, separator=True))
    interest = (
        "Unclear: the interviewers disagree" if verdict is not None and verdict.combined is None
        and verdict.disagreement else _mutual_interest(client, candidate)
    )
    body.append(facts([("Mutual interest", interest)]))
    body.append(
        container(
            [text(f"Suggested next step: {NEXT_STEP_LABELS[suggestion.step]}", weight="Bolder"),
             text(suggestion.reason)],
            style="emphasis",
        )
    )
    if panel:
        body.append(subtle(PANEL_RULE))
    suggested = _STEP_TO_DECISION.get(suggestion.step)
    actions = [
        submit(title, verb("decide", view.id, decision=decision),
               **({"style": "positive"} if decision == suggested else {}))
        for decision, title in DECISIONS.items()
    ]
    return card(body, actions, fallback=f"Feedback for {view.candidate.name}: decision due.")


def _interviewer_items(answer: PanelAnswer) -> Element:
    seat = "" if answer.required else " (optional)"
    items: list[Element] = [text(f"Interviewer: {md(answer.name)}{seat}", weight="Bolder")]
    feedback = answer.feedback
    if feedback is None:
        items.append(subtle(f"No feedback from {md(answer.name)}."))
    else:
        items += [
            facts([("Rating", f"{feedback.rating} / 5"),
                   ("Meets the qualifications", QUALIFICATION_LABELS[feedback.qualification]),
                   ("Recommends", RECOMMENDATION_LABELS[feedback.recommendation])]),
            *_free_text("Impressions", feedback.impressions),
            *_free_text("Concerns or suggestions", feedback.concerns),
        ]
    return container(items, separator=True)


def _mutual_interest(client: ClientFeedback | None, candidate: CandidateFeedback | None) -> str:
    if client is None or candidate is None:
        return "Not known yet: one side has not answered"
    client_keen = client.recommendation in (Recommendation.OFFER, Recommendation.ANOTHER_ROUND)
    if candidate.interest is Interest.NO:
        return "No: the candidate is not interested"
    if not client_keen:
        return "No: the client does not recommend going on"
    if candidate.interest is Interest.MAYBE:
        return "Partly: the client is keen, the candidate is unsure"
    return "Yes: both want to go on"


def feedback_prompt_card(
    view: InterviewView,
    role: Role,
    *,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
) -> Card:
    """The client's or the candidate's feedback card, with a button to say the other side did not
    come (a no-show skips feedback)."""
    if role is Role.CLIENT:
        result = client_feedback_card(view, values=values, problems=problems)
    else:
        result = candidate_feedback_card(view, values=values, problems=problems)
    absent = Role.CANDIDATE if role is Role.CLIENT else Role.CLIENT
    result.setdefault("actions", []).append(
        submit(
            tr(language_for(view, role), "{name} did not come", name=view.party(absent).name),
            verb("report_no_show", view.id, who=absent.value),
            associatedInputs="none",
        )
    )
    return result


def no_show_card(view: InterviewView, detail: str) -> Card:
    """The recruiter's note of a no-show, with the decisions that follow one: rebook (another
    round), reject or put on hold."""
    result = recruiter_update_card(view, "no_show", detail)
    result["actions"] = [
        submit(DECISIONS[d], verb("decide", view.id, decision=d))
        for d in ("another_round", "reject", "on_hold")
    ]
    return result
