"""Cards of the scheduling journey: offer, pick, confirm, remind, cancel, report.

Every time is shown in the zone of the person reading the card, with that zone written out
(``scheduling.zones.format_local_range``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from types import MappingProxyType

from cards._base import (
    Action,
    Card,
    Element,
    action_set,
    attention,
    bullets,
    card,
    container,
    facts,
    heading,
    input_choice,
    input_date,
    input_text,
    input_time,
    md,
    md_plain,
    open_url,
    plain,
    show_card,
    sub_card,
    submit,
    subtle,
    text,
    verb,
    zone_picker,
)
from cards.i18n import N_, format_label, language_for, ntr, tr
from cards.i18n import day_label as local_day_label
from cards.i18n import format_local_range as local_range
from cards.i18n import format_local_times as local_times
from cards.messages import panel_names
from cards.proposals import proposed_windows_body
from scheduling.availability import by_local_day
from scheduling.intervals import Interval
from scheduling.interview import (
    FORMAT_LABELS,
    STAGE_LABELS,
    Format,
    InterviewView,
    OfferedSlot,
    Role,
    Stage,
)
from scheduling.proposals import ProposedWindow
from scheduling.rules import BookingRules, RefusedSlot, SlotRequest
from scheduling.zones import format_local_range
from scheduling.zones import zone as zone_info

__all__ = [
    "ALLOW_ONE_MORE_BUTTON",
    "BOOK_BUTTON",
    "CANCEL_BUTTON",
    "CHANGE_ZONE_BUTTON",
    "FIRST_DATES_BUTTON",
    "LATER_DATES_BUTTON",
    "LIVE_TIME_PREFIX",
    "NONE_WORK_BUTTON",
    "NO_SHOW_BUTTON",
    "RECRUITER_NOTES",
    "RESEND_BUTTON",
    "SEND_SLOTS_BUTTON",
    "SET_AVAILABILITY_BUTTON",
    "SET_LINK_BUTTON",
    "TAKE_OVER_BUTTON",
    "booking_confirmation_card",
    "cancel_button",
    "cancel_form_body",
    "cancellation_card",
    "offer_slots_card",
    "pick_slot_card",
    "recruiter_controls",
    "recruiter_update_card",
    "reminder_card",
    "reschedule_cap_actions",
    "slot_choice",
]

WINDOWS_PLACEHOLDER = N_("e.g. Mon–Wed after 14:00, or Thu morning")
# Button titles the chat's answers name ("press **Book this time**"), so both say the same.
BOOK_BUTTON = N_("Book this time")
CANCEL_BUTTON = N_("Cancel the interview")
NONE_WORK_BUTTON = N_("None of these work")
LATER_DATES_BUTTON = N_("Later dates")
CHANGE_ZONE_BUTTON = N_("Change my time zone")
SET_AVAILABILITY_BUTTON = "Set my availability"
FIRST_DATES_BUTTON = N_("First dates")
SEND_SLOTS_BUTTON = "Send these to the candidate"
RESCHEDULE_BUTTON = N_("Reschedule")
OPEN_CANCEL_BUTTON = N_("Cancel")  # opens the cancel form, whose own button is CANCEL_BUTTON
FEEDBACK_BUTTON = N_("Send feedback")


def _minutes(duration: timedelta, lang: str = "en") -> str:
    minutes = int(duration.total_seconds() // 60)
    return ntr(lang, "{n} minute", "{n} minutes", minutes)


def _client_with_org(view: InterviewView) -> str:
    org = view.client.organisation
    return f"{view.client.name} ({org})" if org else view.client.name


def _with_whom(view: InterviewView, role: Role, lang: str = "en") -> str:
    """Who the reader meets: the client sees the candidate, the candidate sees the client (a
    panel: every interviewer who attends; an interviewer also sees the others)."""
    if not view.panel:
        if role is Role.CLIENT:
            return view.candidate.name
        if role is Role.CANDIDATE:
            return _client_with_org(view)
        return tr(lang, "{candidate} and {client}", candidate=view.candidate.name,
                  client=_client_with_org(view))
    if role is Role.CLIENT:
        others = panel_names(view, besides=view.client.id)
        return f"{view.candidate.name}, with {others}" if others else view.candidate.name
    if role is Role.CANDIDATE:
        return panel_names(view, lang=lang)
    return f"{view.candidate.name} and {panel_names(view)}"


def _booked(view: InterviewView, what: str) -> Interval:
    if view.booked is None:
        raise ValueError(f"A {what} needs a booked time; interview {view.id} has none.")
    return view.booked


def _where(view: InterviewView, lang: str = "en") -> str | None:
    if view.format is Format.TEAMS:
        return tr(lang, "Teams meeting: use the Join button") if view.join_url else (
            view.location or tr(lang, "Teams meeting: your recruiter will send the link")
        )
    return view.location


def _booking_facts(view: InterviewView, role: Role, booked: Interval) -> Element:
    lang = language_for(view, role)
    return facts(
        [
            (tr(lang, "When"), local_range(booked, view.party(role).zone, lang)),
            (tr(lang, "Duration"), _minutes(booked.duration, lang)),
            (tr(lang, "Format"), format_label(view.format, lang)),
            (tr(lang, "Where"), _where(view, lang) or ""),
            (tr(lang, "With"), _with_whom(view, role, lang)),
        ]
    )


def _manage_actions(view: InterviewView, lang: str = "en") -> list[Action]:
    """Join (when there is a link), Reschedule and Cancel (with an optional reason)."""
    actions: list[Action] = []
    if view.join_url:
        actions.append(open_url(tr(lang, "Join Teams meeting"), view.join_url))
    actions.append(submit(tr(lang, RESCHEDULE_BUTTON), verb("reschedule", view.id)))
    actions.append(show_card(tr(lang, OPEN_CANCEL_BUTTON),
                             sub_card(cancel_form_body(lang), [cancel_button(view, lang)])))
    return actions


def cancel_form_body(lang: str = "en") -> list[Element]:
    """The question and the optional reason before a cancel: behind the Cancel button of the
    confirmation, and on its own when someone types "cancel" (``cards.change_cards``)."""
    return [
        text(tr(lang, "Cancel this interview? Everyone in it is told.")),
        input_text("reason", tr(lang, "Reason (optional)"), multiline=True, max_length=500,
                   placeholder=tr(lang, "e.g. I accepted another offer")),
    ]


def cancel_button(view: InterviewView, lang: str = "en") -> Action:
    return submit(tr(lang, CANCEL_BUTTON), verb("cancel", view.id), style="destructive")


def offer_slots_card(
    view: InterviewView,
    rules: BookingRules,
    *,
    rows: int = 5,
    kept: Sequence[Interval] = (),
    refused: Sequence[RefusedSlot] = (),
    candidate_windows_text: str | None = None,
    suggested: Sequence[Interval] = (),
    calendar: bool = False,
    proposed: Sequence[ProposedWindow] = (),
) -> Card:
    """For the client: offer dates and start times for the candidate to pick from.

    ``proposed``: the candidate's windows with the times in each the client can take now
    (``services.scheduling.proposed_options``): a button per window books one (``cards.proposals``).

    ``suggested`` are free times found in the client's calendar: filled into the rows (after any
    refused ones) for the client to change or send as they are. ``calendar``: a calendar with
    free/busy is connected, so the card offers "Suggest from my calendar" (without one the button
    could only ever answer that there is none).

    ``kept`` are slots already accepted (they stay offered), ``refused`` the ones a rule refused,
    each shown with its reason; refused times typed in the client's own zone are filled into the
    first rows so they can be corrected rather than typed again.
    """
    if rows < 1:
        raise ValueError("The offer card needs at least one row for a slot.")
    zone = view.client.zone
    body: list[Element] = [
        heading("Offer interview times"),
        text(f"Please offer a few times for an interview with **{md(view.candidate.name)}**."),
        facts(
            [
                ("Candidate", view.candidate.name),
                ("Role", view.role_title),
                ("Duration", _minutes(view.duration)),
                ("Format", FORMAT_LABELS[view.format]),
                ("Round", str(view.round) if view.round > 1 else ""),
            ]
        ),
        text("Times must follow these rules:", weight="Bolder", spacing="Medium"),
        bullets(rules.describe()),
    ]

    note = candidate_windows_text if candidate_windows_text is not None else view.candidate_note
    if view.candidate_windows or note:
        body.append(container(proposed_windows_body(view, proposed, note), style="emphasis",
                              separator=True))

    if kept:
        body.append(text("Already offered (these stay):", weight="Bolder", separator=True))
        body.append(bullets(format_local_range(k, zone) for k in kept))

    if refused:
        body.append(
            container(
                [attention("These times were not accepted:"),
                 *(plain(r.message, color="Attention") for r in refused)],
                style="attention",
            )
        )

    prefill = [r.request for r in refused if r.request.zone.strip() == zone.strip()]
    if suggested:
        body.append(
            text("Free in your calendar, filled in below: change them or send them as they are.",
                 weight="Bolder", separator=True)
        )
        for interval in suggested:
            local = interval.start.astimezone(zone_info(zone))
            prefill.append(SlotRequest(local.date(), local.time().replace(tzinfo=None), zone))
    prefill = prefill[:rows]
    body.append(text("Add times", weight="Bolder", separator=True, spacing="Medium"))
    body.append(subtle("Or just type them in the chat, e.g. “Mon and Tue 10–12”."))
    first_required = not kept
    for i in range(1, rows + 1):
        request = prefill[i - 1] if i <= len(prefill) else None
        required = first_required and i == 1
        body.append(
            {
                "type": "ColumnSet",
                "columns": [
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [
                            input_date(f"slot_{i}_date", f"Slot {i}: date",
                                       value=request.date.isoformat() if request else None,
                                       required=required,
                                       error="Please give at least one date and start time.")
                        ],
                    },
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [
                            input_time(f"slot_{i}_time", "Start time",
                                       value=request.start.strftime("%H:%M") if request else None,
                                       required=required,
                                       error="Please give a start time for this date.")
                        ],
                    },
                ],
            }
        )
    body.append(zone_picker("zone", "Time zone of these times", value=zone))
    actions = [submit(SEND_SLOTS_BUTTON, verb("offer_slots", view.id), style="positive")]
    if calendar:
        # Asking for suggestions must not be blocked by the empty required date above.
        actions.append(submit("Suggest from my calendar", verb("suggest_slots", view.id),
                              associatedInputs="none"))
    if view.page_version is None:
        # No booking page yet: the client is invited to set one, so the next requests need nothing.
        body.append(subtle("Tired of offering times for every candidate? Set your availability "
                           "once and candidates book your open times themselves."))
        actions.append(submit(SET_AVAILABILITY_BUTTON, verb("show_availability", view.id),
                              associatedInputs="none"))
    return card(
        body,
        actions,
        fallback=f"Please offer interview times for {view.candidate.name} ({view.role_title}).",
    )


def slot_choice(
    view: InterviewView, slots: Sequence[OfferedSlot], zone: str, *, label: str, button: str,
    lang: str = "en",
) -> list[Element]:
    """The offered times as a list to choose from, each written out in full (day, start, end and
    zone, wrapping on a narrow screen), and the button that books the one chosen.

    Not a button per time: a button's title is a single line, and on a phone it was cut to
    "Fri 4 Dec 2026, 14:30–15:3…", hiding the end and the zone. The choice is not marked
    required: Adaptive Cards check every input of the enclosing cards on any submit, so a
    required choice would also block "None of these work"; the bot asks for a choice instead.
    """
    return [
        input_choice(
            "slot_id", label, [(s.id, local_range(s.interval, zone, lang)) for s in slots],
            style="expanded", wrap=True,
        ),
        action_set([submit(button, verb("pick_slot", view.id), style="positive")]),
    ]


def pick_slot_card(
    view: InterviewView,
    *,
    message: str | None = None,
    live: Sequence[Interval] | None = None,
    more: bool = False,
    paged: bool = False,
    browser_zone: str | None = None,
) -> Card:
    """For the candidate: the times in their own zone, or "none of these work"; their zone can be
    changed (and the browser's, `browser_zone`, is offered when it is another).

    The times are the slots the client offered, or, with `live`, the open times of the client's
    booking page, grouped by the candidate's days, with "Later dates" when `more` exist (and
    "First dates" back once `paged` on)."""
    zone = view.candidate.zone
    lang = language_for(view, Role.CANDIDATE)
    body: list[Element] = []
    if message:
        body.append(attention(message))
    body += [
        heading(tr(lang, "Pick a time for your interview")),
        facts(
            [
                (tr(lang, "Role"), view.role_title),
                (tr(lang, "With"), _client_with_org(view)),
                (tr(lang, "Duration"), _minutes(view.duration, lang)),
                (tr(lang, "Format"), format_label(view.format, lang)),
            ]
        ),
    ]
    propose_body: list[Element] = [
        text(tr(lang, "Tell us when you could do it instead; we will ask {client} "
                "for times that suit you.", client=md(view.client.name))),
        input_text("windows", tr(lang, "Times that work for you"), multiline=True, required=True,
                   placeholder=tr(lang, WINDOWS_PLACEHOLDER), max_length=1000,
                   error=tr(lang, "Please say when you could do the interview.")),
    ]
    propose = submit(tr(lang, "Send my times"), verb("propose_times", view.id))
    fallback = tr(lang, "Interview times: please open this in the chat page.")
    zone_actions = _zone_actions(view, zone, browser_zone, lang)
    if live is not None:
        return _live_times_card(view, body, live, more=more, paged=paged,
                                propose=(propose_body, propose), fallback=fallback,
                                zone_actions=zone_actions, lang=lang)
    if not view.slots:
        body.append(text(tr(lang, "There are no open times to pick from right now.")))
        body += propose_body
        return card(body, [propose], fallback=fallback)

    body.append(text(tr(lang, "Times are shown in your time zone, **{zone}**.", zone=md(zone))))
    body += slot_choice(view, view.slots, zone, label=tr(lang, "Choose the time that suits you"),
                        button=tr(lang, BOOK_BUTTON), lang=lang)
    return card(
        body,
        [show_card(tr(lang, NONE_WORK_BUTTON), sub_card(propose_body, [propose])), *zone_actions],
        fallback=fallback,
    )


def _zone_actions(
    view: InterviewView, zone: str, browser_zone: str | None, lang: str = "en"
) -> list[Action]:
    """Show the times in another zone: the browser's at one click when it differs, any by choice."""
    actions: list[Action] = []
    if browser_zone and browser_zone != zone:
        actions.append(submit(tr(lang, "Show times in {zone}", zone=browser_zone),
                              verb("set_zone", view.id, zone=browser_zone)))
    actions.append(show_card(tr(lang, CHANGE_ZONE_BUTTON), sub_card(
        [zone_picker("zone", tr(lang, "Your time zone"), value=zone, lang=lang)],
        [submit(tr(lang, "Use this time zone"), verb("set_zone", view.id))],
    )))
    return actions


def live_time_input(day: date) -> str:
    """The id of one day's choice of live times (one choice per day, so the card groups them)."""
    return f"{LIVE_TIME_PREFIX}{day:%Y%m%d}"


LIVE_TIME_PREFIX = "start_"


def _live_times_card(
    view: InterviewView,
    body: list[Element],
    times: Sequence[Interval],
    *,
    more: bool,
    paged: bool,
    propose: tuple[list[Element], Action],
    fallback: str,
    zone_actions: Sequence[Action] = (),
    lang: str = "en",
) -> Card:
    zone = view.candidate.zone
    propose_body, propose_action = propose
    pages: list[Action] = []
    if paged:
        pages.append(submit(tr(lang, FIRST_DATES_BUTTON), verb("more_times", view.id),
                            associatedInputs="none"))
    if more and times:
        later = verb("more_times", view.id, after=times[-1].start.isoformat())
        pages.append(submit(tr(lang, LATER_DATES_BUTTON), later, associatedInputs="none"))
    if not times:
        body.append(text(
            tr(lang, "{client} has no open times left in the dates that can be booked.",
               client=md(view.client.name))
            if not paged else tr(lang, "There are no later open times.")
        ))
        body += propose_body
        return card(body, [*pages, propose_action], fallback=fallback)
    body.append(text(tr(
        lang, "These are {client}'s open times right now, in your time zone, "
        "**{zone}**. Choose one and press **{button}**.",
        client=md(view.client.name), zone=md(zone), button=tr(lang, BOOK_BUTTON),
    )))
    for day, group in by_local_day(times, zone):
        body.append(input_choice(
            live_time_input(day), local_day_label(day, lang),
            [(t.start.isoformat(), local_times(t, zone, lang)) for t in group],
            style="expanded", wrap=True,
        ))
    body.append(action_set([submit(tr(lang, BOOK_BUTTON), verb("book_time", view.id), style="positive")]))
    return card(
        body,
        [*pages, show_card(tr(lang, NONE_WORK_BUTTON), sub_card(propose_body, [propose_action])),
         *zone_actions],
        fallback=fallback,
    )


def booking_confirmation_card(view: InterviewView, role: Role) -> Card:
    """"Your interview is booked", for ``role`` in their own zone, with join/reschedule/cancel."""
    booked = _booked(view, "booking confirmation")
    lang = language_for(view, role)
    return card(
        [
            heading(tr(lang, "Your interview is booked")),
            text(f"**{md(view.role_title)}**"),
            _booking_facts(view, role, booked),
            subtle(tr(lang, "An invitation with these details is on its way by e-mail.")),
        ],
        _manage_actions(view, lang),
        fallback=tr(lang, "Your interview is booked: {when}.",
                    when=local_range(booked, view.party(role).zone, lang)),
    )


def reminder_card(view: InterviewView, role: Role, *, hours_before: int) -> Card:
    """A reminder ``hours_before`` the interview, with the same actions as the confirmation."""
    booked = _booked(view, "reminder")
    lang = language_for(view, role)
    when = ntr(lang, "{n} hour", "{n} hours", hours_before)
    return card(
        [
            heading(tr(lang, "Reminder: your interview is in {when}", when=when)),
            text(f"**{md(view.role_title)}**"),
            _booking_facts(view, role, booked),
        ],
        _manage_actions(view, lang),
        fallback=tr(lang, "Reminder: your interview is in {when}.", when=when),
    )


def _party_name_md(view: InterviewView, role: Role, lang: str = "en") -> str:
    """A party named in markdown: the values escaped, our own words and parentheses not."""
    if role is Role.RECRUITER:
        return tr(lang, "the recruiter, {name}", name=md(view.recruiter.name))
    if role is Role.CLIENT and view.client.organisation:
        return f"{md(view.client.name)} ({md(view.client.organisation)})"
    return md(view.party(role).name)


def cancellation_card(view: InterviewView, role: Role, *, by: Role, reason: str | None) -> Card:
    """Tells ``role`` that ``by`` cancelled the interview, and why when a reason was given."""
    lang = language_for(view, role)
    who = _party_name_md(view, by, lang)
    body: list[Element] = [heading(tr(lang, "Interview cancelled"))]
    if view.booked is not None:
        when = local_range(view.booked, view.party(role).zone, lang)
        body.append(text(
            tr(lang, "The **{role_title}** interview on {when} was cancelled by you.",
               role_title=md(view.role_title), when=when)
            if by is role else
            tr(lang, "The **{role_title}** interview on {when} was cancelled by {who}.",
               role_title=md(view.role_title), when=when, who=who)
        ))
    else:
        body.append(text(
            tr(lang, "The **{role_title}** interview being arranged was cancelled by you.",
               role_title=md(view.role_title))
            if by is role else
            tr(lang, "The **{role_title}** interview being arranged was cancelled by {who}.",
               role_title=md(view.role_title), who=who)
        ))
    body.append(facts([(tr(lang, "With"), _with_whom(view, role, lang))]))
    if reason and reason.strip():
        body.append(text(tr(lang, "Reason given:"), weight="Bolder"))
        body.append(plain(reason.strip(), italic=True))
    if role is not Role.RECRUITER:
        body.append(subtle(tr(lang, "{recruiter}, your recruiter, will be in touch about next steps.",
                              recruiter=md(view.recruiter.name))))
    return card(body, fallback=tr(lang, "Your interview was cancelled."))


RECRUITER_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "slots_offered": "Slots offered by {client}",
        "from_page": "Sent to {candidate} with {client}'s open times",
        "other_times": "{candidate} asked for other times",
        "booked": "Interview booked",
        "cancelled": "Interview cancelled",
        "reminder": "Reminder sent: still waiting for an answer",
        "escalation": "Action needed: no answer in time",
        "reschedule_limit": "Action needed: no reschedules left",
        "handed_over": "Interview handed over: {candidate} with {client}",
    }
)


def recruiter_update_card(
    view: InterviewView, note: str, detail: str | None = None, *, by: str | None = None
) -> Card:
    """A proactive summary for the recruiter; ``note`` picks the headline from :data:`RECRUITER_NOTES`.

    An unknown note gets the neutral headline "Interview update" rather than an error: this card
    is sent by the job runner, where a failure would only delay the facts the recruiter needs.
    """
    pattern = RECRUITER_NOTES.get(note, "Interview update")
    headline = pattern.format(client=view.client.name, candidate=view.candidate.name)  # plain: e-mail
    zone = view.recruiter.zone
    when = format_local_range(view.booked, zone) if view.booked is not None else ""
    body: list[Element] = [
        heading(pattern.format(client=md(view.client.name), candidate=md(view.candidate.name))),
        facts(
            [
                ("Candidate", view.candidate.name),
                ("Client", _client_with_org(view)),
                ("Role", view.role_title),
                ("Stage", STAGE_LABELS[view.stage]),
                ("When", when),
                ("Slots offered", str(len(view.slots)) if view.slots and not when else ""),
                ("Format", FORMAT_LABELS[view.format]),
                ("Round", str(view.round) if view.round > 1 else ""),
            ]
        ),
    ]
    if note == "escalation":
        body.insert(0, attention("This interview needs you."))
    if detail:
        body.append(plain(md_plain(detail)))
    actions: list[Action] = []
    if view.stage is Stage.SCHEDULED and view.booked is not None:
        if note == "reschedule_limit":
            actions = reschedule_cap_actions(view, by or Role.CANDIDATE.value)
        elif note in CONTROLLED_NOTES:
            more, actions = recruiter_controls(view)
            body += more
    return card(body, actions, fallback=headline)


# The recruiter's controls on a booked interview (services.controls, services.changes) ----------

CONTROLLED_NOTES = frozenset({"booked"})
RESEND_BUTTON = "Resend the invitation"
NO_SHOW_BUTTON = "Mark no-show"
SET_LINK_BUTTON = "Set the meeting link"
ALLOW_ONE_MORE_BUTTON = "Allow one more reschedule"
TAKE_OVER_BUTTON = "Take over"


def meeting_link_body(view: InterviewView) -> list[Element]:
    """The meeting link input (an https URL) and its button."""
    return [
        input_text("join_url", "Meeting link (https://…)", value=view.join_url, style="Url",
                   max_length=1000, placeholder="https://teams.microsoft.com/l/meetup-join/…"),
        action_set([submit(SET_LINK_BUTTON, verb("set_meeting_link", view.id), style="positive")]),
    ]


def recruiter_controls(view: InterviewView) -> tuple[list[Element], list[Action]]:
    """For the interview's recruiter on a booked interview: body elements (the meeting link asked
    for, prominently, when a Teams meeting has none: the others were told "your recruiter will send
    the link") and the buttons Reschedule, Cancel, Mark no-show (refused before the start),
    Resend the invitation, and the meeting link (behind a button when there is one)."""
    body: list[Element] = []
    actions: list[Action] = [
        submit(RESCHEDULE_BUTTON, verb("reschedule", view.id)),
        show_card(OPEN_CANCEL_BUTTON, sub_card(cancel_form_body(), [cancel_button(view)])),
        show_card(NO_SHOW_BUTTON, sub_card(
            [subtle("After the start of the interview: who did not come?"),
             input_choice("who", "Who did not come", [(Role.CANDIDATE.value, view.candidate.name),
                                                       (Role.CLIENT.value, view.client.name)],
                          value=Role.CANDIDATE.value, required=True)],
            [submit(NO_SHOW_BUTTON, verb("report_no_show", view.id))],
        )),
        submit(RESEND_BUTTON, verb("resend_invitation", view.id)),
    ]
    if view.format is Format.TEAMS and not view.join_url:
        body.append(attention("No meeting link yet: the client and the candidate were told you "
                              "will send it. Paste it here and I'll send it to both."))
        body += meeting_link_body(view)
    else:
        actions.append(show_card("Change the meeting link" if view.join_url else SET_LINK_BUTTON,
                                 sub_card(meeting_link_body(view))))
    return body, actions


def reschedule_cap_actions(view: InterviewView, by: str) -> list[Action]:
    """On the alert that a party used every reschedule allowed: allow them one more, or reschedule
    it yourself (the Reschedule of the recruiter's controls)."""
    return [
        submit(ALLOW_ONE_MORE_BUTTON, verb("allow_reschedule", view.id, by=by), style="positive"),
        submit(TAKE_OVER_BUTTON, verb("reschedule", view.id)),
    ]
