"""Names, role titles and organisations people typed never become markdown.

A TextBlock and a chat message's ``text`` are rendered as markdown by Teams and Web Chat, so a
candidate called ``Asha](https://evil.example/login) [Click to verify`` would be a link. Every
card and chat line is built twice, once with hostile values and once with plain words in their
place, and both are rendered with markdown-it (CommonMark, the parser Web Chat uses, with
strikethrough and tables on): the hostile one must have exactly the same markup as the plain one
(our own ``**bold**`` and lists, nothing more) and show each hostile value exactly as typed.
The e-mail versions (``md_plain``) show the values unescaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from markdown_it import MarkdownIt

import cards
from cards import PipelineRow, md, md_plain, messages
from cards.change_cards import reschedule_form_card, reschedule_notice_card
from scheduling.feedback import NextStep, Suggestion
from scheduling.interview import InterviewView, PartyView, Role, Stage
from scheduling.rules import BookingRules
from tests.helpers.cards import T0, booked_view, make_view, walk

# Each field carries a whole link (so every text showing any of them would turn into one) and
# more; together they cover [ ] ( ) * _ ` # > ~ | \ < > ! & and the list markers at a value's start.
HOSTILE = {
    "candidate": "Asha](https://evil.example/login) [Click to verify](https://evil.example/login)",
    "client": "**Urgent** _act now_ <https://evil.example/a> [Priya](https://evil.example/p)",
    "organisation": "`Contoso` ~~Ltd~~ | Corp &amp; \\*Co* [Contoso](https://evil.example/c)",
    "recruiter": "- Rita > [x](https://evil.example/r) #1",
    "role": "1. [Data](javascript:alert(1)) ![img](https://evil.example/p.png) __Lead__",
}
# Plain words in the same places: the markup a card has with these is the markup it must keep.
PLAIN = {key: f"Plain{key.capitalize()}" for key in HOSTILE}
ORDINARY = {"candidate": "José O'Brien-Smith", "client": "Zoë Müller-Lüdenscheidt",
            "organisation": "AT&T (UK) Ltd.", "recruiter": "Anne-Marie D'Souza", "role": "C# / .NET Developer"}

RULES = BookingRules(zone="Europe/London", buffer_after=timedelta(minutes=15))
RENDERER = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _people(v: Mapping[str, str]) -> dict[str, Any]:
    return {
        "role_title": v["role"],
        "recruiter": PartyView("r-1", v["recruiter"], "Europe/London"),
        "client": PartyView("c-1", v["client"], "Europe/London", v["organisation"]),
        "candidate": PartyView("k-1", v["candidate"], "Asia/Kolkata"),
    }


def pending(v: Mapping[str, str], **more: Any) -> InterviewView:
    return make_view(**_people(v), **more)


def booked(v: Mapping[str, str], **more: Any) -> InterviewView:
    return booked_view(**_people(v), **more)


def _row(v: Mapping[str, str]) -> PipelineRow:
    return PipelineRow("iv-1", v["candidate"], v["client"], v["role"], Stage.AWAITING_SLOTS, None,
                       f"Chase {v['client']} for slots", overdue=True)


Build = Callable[[Mapping[str, str]], dict[str, Any]]
CARDS: list[tuple[str, Build]] = [
    ("offer_slots", lambda v: cards.offer_slots_card(
        pending(v, candidate_windows=(), candidate_note="Mornings"), RULES)),
    ("pick_slot", lambda v: cards.pick_slot_card(pending(v))),
    ("pick_slot_no_slots", lambda v: cards.pick_slot_card(pending(v, slots=()))),
    ("pick_live_times", lambda v: cards.pick_slot_card(
        pending(v, slots=(), page_version=1), live=[s.interval for s in pending(v).slots])),
    ("pick_live_times_none_left", lambda v: cards.pick_slot_card(pending(v, slots=(), page_version=1), live=[])),
    ("confirmation", lambda v: cards.booking_confirmation_card(booked(v), Role.CLIENT)),
    ("reminder", lambda v: cards.reminder_card(booked(v), Role.CANDIDATE, hours_before=24)),
    *[(f"cancellation_by_{by.value}", lambda v, by=by: cards.cancellation_card(
        booked(v), Role.CANDIDATE if by is not Role.CANDIDATE else Role.CLIENT, by=by, reason="x"))
      for by in Role],
    # The notes whose headline names someone (the others, and the detail, show no value in a
    # TextBlock: test_textruns_carry_values_unescaped).
    *[(f"recruiter_update_{note}", lambda v, note=note: cards.recruiter_update_card(
        booked(v), note, messages.recruiter_detail(booked(v), {"note": "cancelled", "by": "client"})))
      for note in ("slots_offered", "other_times")],
    ("client_feedback", lambda v: cards.client_feedback_card(booked(v))),
    ("feedback_summary", lambda v: cards.feedback_summary_card(
        booked(v), None, None, Suggestion(NextStep.WAIT, "Neither side answered."))),
    ("pipeline", lambda v: cards.pipeline_card([_row(v)], title="Your pipeline",
                                               tracker_url="https://askarsan.example.com/tracker")),
    *[(f"reschedule_form_{role.value}", lambda v, role=role: reschedule_form_card(
        booked(v), role)) for role in (Role.CLIENT, Role.CANDIDATE)],
    *[(f"reschedule_notice_by_{by.value}", lambda v, by=by: reschedule_notice_card(
        booked(v), Role.CANDIDATE if by is not Role.CANDIDATE else Role.CLIENT, by=by, reason="x",
        previous=booked(v).booked)) for by in Role],
]

Line = Callable[[Mapping[str, str]], str | None]
_BY = [{"by": r.value} for r in Role]
LINES: list[tuple[str, Line]] = [
    *[(f"change_lead_rescheduled_by_{d['by']}", lambda v, d=d: messages.change_lead(
        pending(v), {"note": "rescheduled", "reason": "Ill", **d})) for d in _BY],
    *[(f"change_lead_nudge_{s.value}", lambda v, s=s: messages.change_lead(
        pending(v, stage=s), {"note": "nudge"})) for s in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK)],
    ("offer_slots_lead", lambda v: messages.offer_slots_lead(pending(v), {})),
    ("offer_slots_lead_other_times", lambda v: messages.offer_slots_lead(
        pending(v, candidate_note="Mornings"), {"note": "other_times"})),
    ("pick_slot_lead", lambda v: messages.pick_slot_lead(pending(v), {})),
    *[(f"pending_reminder_lead_{r.value}", lambda v, r=r: messages.pending_reminder_lead(pending(v), r))
      for r in (Role.CLIENT, Role.CANDIDATE)],
    *[(f"recruiter_detail_{note}_by_{d['by']}", lambda v, note=note, d=d: messages.recruiter_detail(
        pending(v), {"note": note, "reason": "Ill", "previous_start": T0.isoformat(), **d}))
      for note in ("rescheduled", "reschedule_limit", "cancelled") for d in _BY],
    *[(f"pending_overdue_note_{r.value}", lambda v, r=r: messages.pending_overdue_note(pending(v), r, T0))
      for r in (Role.CLIENT, Role.CANDIDATE)],
    *[(f"feedback_prompt_lead_{r.value}_{rem}", lambda v, r=r, rem=rem: messages.feedback_prompt_lead(
        booked(v), r, reminder=rem)) for r in (Role.CLIENT, Role.CANDIDATE) for rem in (False, True)],
    ("feedback_overdue_note", lambda v: messages.feedback_overdue_note(
        booked(v), [Role.CLIENT, Role.CANDIDATE], T0)),
    *[(f"feedback_received_note_{r.value}", lambda v, r=r: messages.feedback_received_note(
        booked(v, stage=Stage.AWAITING_FEEDBACK), {"by": r.value, "rating": "4"}))
      for r in (Role.CLIENT, Role.CANDIDATE)],
    *[(f"no_show_note_{a.value}_{b.value}", lambda v, a=a, b=b: messages.no_show_note(booked(v), a, b))
      for a in (Role.CLIENT, Role.CANDIDATE) for b in Role if b is not a],
]

_TAG = re.compile(r"<[^>]*>")


def markup(markdown: str) -> list[str]:
    """The HTML tags (with their attributes) markdown-it makes of a text."""
    return _TAG.findall(RENDERER.render(markdown))


def visible(markdown: str) -> str:
    """What a reader sees of a text rendered as markdown."""
    return html.unescape(_TAG.sub("", RENDERER.render(markdown))).strip()


def as_typed(plain_text: str, values: Mapping[str, str]) -> str:
    """``plain_text`` (made with :data:`PLAIN`) with each plain word replaced by ``values``'."""
    for key, word in PLAIN.items():
        plain_text = plain_text.replace(word, values[key])
    return plain_text


def markdown_texts(card: dict[str, Any]) -> list[str]:
    """Every text of a card that is rendered as markdown: its TextBlocks (TextRuns are not)."""
    return [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]


def assert_rendered_as_typed(hostile: list[str], plain: list[str], values: Mapping[str, str]) -> None:
    assert len(hostile) == len(plain)
    for h, p in zip(hostile, plain, strict=True):
        assert markup(h) == markup(p), f"a value added markup: {h!r}"
        assert visible(h) == as_typed(visible(p), values), h


@pytest.mark.parametrize("build", [c[1] for c in CARDS], ids=[c[0] for c in CARDS])
@pytest.mark.parametrize("values", [HOSTILE, ORDINARY], ids=["hostile", "ordinary"])
def test_no_card_lets_a_value_become_markdown(build: Build, values: Mapping[str, str]) -> None:
    card, plain_card = build(values), build(PLAIN)
    assert_rendered_as_typed(markdown_texts(card), markdown_texts(plain_card), values)
    assert "evil.example" not in "".join(re.findall(r'href="[^"]*"', RENDERER.render(
        "\n\n".join(markdown_texts(card)))))


@pytest.mark.parametrize("build", [c[1] for c in LINES], ids=[c[0] for c in LINES])
@pytest.mark.parametrize("values", [HOSTILE, ORDINARY], ids=["hostile", "ordinary"])
def test_no_chat_line_lets_a_value_become_markdown_and_its_mail_shows_it_as_typed(
    build: Line, values: Mapping[str, str]
) -> None:
    line, plain_line = build(values), build(PLAIN)
    assert line is not None and plain_line is not None
    assert_rendered_as_typed([line], [plain_line], values)
    # The e-mail version: our ** gone, the values exactly as typed, no backslash added.
    assert md_plain(line) == as_typed(md_plain(plain_line), values)
    assert "**" not in md_plain(plain_line)


def test_our_own_bold_stays_bold_around_an_escaped_title() -> None:
    line = messages.pick_slot_lead(pending(HOSTILE), {})
    rendered = RENDERER.render(line)
    assert rendered.count("<strong>") == 1 and "<a " not in rendered and "<em>" not in rendered
    assert html.unescape(re.sub(r".*<strong>(.*)</strong>.*", r"\1", rendered, flags=re.S)) == HOSTILE["role"]


def test_an_ordinary_name_renders_exactly_as_typed() -> None:
    for value in (*ORDINARY.values(), "José", "O'Brien-Smith", "Nguyễn Thị Minh Khai", "李小龍", "3M plc"):
        assert visible(md(value)) == value
        assert md_plain(md(value)) == value
    assert md("O'Brien-Smith") == "O'Brien-Smith" and md("José") == "José"  # nothing to escape


@pytest.mark.parametrize(
    "value",
    ["- item", "+ item", "* item", "1. first", "12) twelfth", "# Heading", "> quote", "    code",
     "a\n\n# heading\n- list", "<https://evil.example>", "[x]: https://evil.example", "`code`",
     "a\\*b*", "\\[x](https://evil.example)", "~~gone~~", "| a | b |\n|---|---|", "&lt;b&gt;", "line\r\n===",
     "![i](https://evil.example/i.png)", "_a_ __b__ *c* **d** ***e***"],
)
def test_a_value_alone_is_one_line_of_literal_text(value: str) -> None:
    """Also where a value starts a text (list markers, headings, quotes, indented code), and with
    line breaks, which become spaces: a value is part of one sentence."""
    rendered = RENDERER.render(f"Hello {md(value)}") + RENDERER.render(md(value))
    assert re.findall(r"<(\w+)", rendered) == ["p", "p"], rendered
    one_line = re.sub(r"\s*[\r\n]+\s*", " ", value).strip()
    assert visible(md(value)) == one_line
    assert md_plain(md(value)) == one_line


def test_textruns_carry_values_unescaped() -> None:
    """TextRuns and the labelled values (``facts``) are never markdown (Adaptive Cards schema:
    TextRun.text "Markdown is not supported"), so they show the value as typed, no backslashes."""
    card = cards.offer_slots_card(pending(HOSTILE), RULES)
    runs = [n["text"] for n in walk(card) if n.get("type") == "TextRun"]
    assert f" {HOSTILE['candidate']}" in runs and f" {HOSTILE['role']}" in runs
    update = cards.recruiter_update_card(
        booked(HOSTILE), "cancelled", messages.recruiter_detail(booked(HOSTILE), {"note": "cancelled",
                                                                                "by": "client"}))
    detail = [n["text"] for n in walk(update) if n.get("type") == "TextRun"][-1]
    assert detail == f"Cancelled by {HOSTILE['client']} ({HOSTILE['organisation']})."
    assert update["fallbackText"] == "Interview cancelled"
    assert cards.recruiter_update_card(booked(HOSTILE), "slots_offered")["fallbackText"] == (
        f"Slots offered by {HOSTILE['client']}")
