"""The chat lines that go with askARSAN's proactive cards, and the recruiter's notes: pure
functions of the interview as its people see it and of the effect's data (the reason, who moved
it, since when). The cards themselves are in the other modules of ``cards/``; what is sent to whom
is planned in ``services/effects``.

The lines are markdown (a chat message's ``text``, a card's TextBlock): every name, title or
reason in them went through ``md``, and ``md_plain`` turns one back into plain text for e-mail.
``name_of`` and ``who_changed`` give plain names, which e-mails use as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time

from cards._base import md
from cards.i18n import DEFAULT_LANGUAGE, N_, language_for, tr
from cards.i18n import format_local_range as local_range
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Role, Stage
from scheduling.zones import format_local, format_local_range, format_local_times, zone

__all__ = [
    "CANDIDATE_DAY",
    "already_booked_reply",
    "booked_reply",
    "change_lead",
    "confirmation_lead",
    "counted",
    "feedback_lead",
    "feedback_overdue_note",
    "feedback_prompt_lead",
    "feedback_received_note",
    "name_of",
    "no_show_note",
    "offer_slots_lead",
    "offered_lines",
    "outside_candidate_day",
    "panel_names",
    "pending_overdue_note",
    "pending_reminder_lead",
    "pick_greeting",
    "pick_slot_lead",
    "proposed_reply",
    "quoted",
    "recruiter_detail",
    "who_changed",
    "zone_changed_reply",
]

Data = Mapping[str, str]


def counted(n: int, thing: str, things: str | None = None) -> str:
    """"1 slot", "3 slots" ("2 free times" with ``things`` for an irregular plural)."""
    return f"{n} {thing}" if n == 1 else f"{n} {things or thing + 's'}"


def quoted(said: str) -> str:
    """What someone said, in quotation marks, ending the sentence: “…” and a full stop, unless
    their words already end one (“I'm travelling.” takes no second stop after the mark)."""
    said = said.strip()
    return f"“{said}”" if said.endswith((".", "!", "?", "…")) else f"“{said}”."


def panel_names(view: InterviewView, *, besides: str | None = None, lang: str = "en") -> str:
    """The interviewers who attend, plain: "Harry Manager (Client Ltd), Sam Lee and Priya Rao
    (optional)"; `besides` leaves one out (the reader)."""
    names: list[str] = []
    for index, seat in enumerate(view.interviewers):
        if not seat.attending or seat.party.id == besides:
            continue
        name = seat.party.name
        if index == 0 and seat.party.organisation:
            name += f" ({seat.party.organisation})"
        names.append(name if seat.required else tr(lang, "{name} (optional)", name=name))
    if len(names) <= 1:
        return "".join(names)
    return tr(lang, "{names} and {last}", names=", ".join(names[:-1]), last=names[-1])


def name_of(view: InterviewView, role: Role) -> str:
    """A party as the others read it: the client with their organisation."""
    if role is Role.CLIENT and view.client.organisation:
        return f"{view.client.name} ({view.client.organisation})"
    return view.party(role).name


def _name_md(view: InterviewView, role: Role) -> str:
    """``name_of`` for markdown: the values escaped, our parentheses left alone."""
    if role is Role.CLIENT and view.client.organisation:
        return f"{md(view.client.name)} ({md(view.client.organisation)})"
    return md(view.party(role).name)


def _who_md(view: InterviewView, data: Data, lang: str = "en") -> str:
    """``who_changed``'s name for markdown."""
    by = Role(data.get("by") or "recruiter")
    if by is Role.RECRUITER:
        return tr(lang, "{name} (the recruiter)", name=md(view.recruiter.name))
    return _name_md(view, by)


def who_changed(view: InterviewView, data: Data) -> tuple[Role, str]:
    """Who moved or cancelled the interview (the effect's ``by``), and how to name them."""
    by = Role(data.get("by") or "recruiter")
    if by is Role.RECRUITER:
        return by, f"{view.recruiter.name} (the recruiter)"
    return by, name_of(view, by)


def change_lead(view: InterviewView, data: Data) -> str | None:
    """The lead line of the ask for slots / the pick card after a reschedule or a nudge."""
    note = data.get("note")
    if note == "rescheduled":
        by, _ = who_changed(view, data)
        who = _who_md(view, data)
        reason = data.get("reason")
        why = f" Reason given: {md(quoted(reason))}" if reason else ""
        if view.page_version is not None and view.stage is Stage.AWAITING_PICK:
            # From a booking page the candidate picks again; the client is only told.
            lang = language_for(view, Role.CANDIDATE)
            if by is Role.CANDIDATE:
                return tr(lang, "Your **{role_title}** interview is released. Pick a new time "
                          "from {client}'s open times:",
                          role_title=md(view.role_title), client=md(view.client.name))
            if reason:
                why = " " + tr(lang, "Reason given: {reason}", reason=md(quoted(reason)))
            return tr(lang, "{who} asked to move your **{role_title}** interview.{why} "
                      "Please pick a new time from {client}'s open times:",
                      who=_who_md(view, data, lang), role_title=md(view.role_title), why=why,
                      client=md(view.client.name))
        if by is Role.CLIENT:
            return (f"You asked to move the **{md(view.role_title)}** interview with "
                    f"{md(view.candidate.name)}.{why} Which new times suit you?")
        return (f"{who} asked to move the **{md(view.role_title)}** interview.{why} "
                "Could you offer new slots?")
    if note == "nudge":
        if view.stage is Stage.AWAITING_SLOTS:
            return (f"A reminder from {md(view.recruiter.name)}: which times suit you for the "
                    f"**{md(view.role_title)}** interview with {md(view.candidate.name)}?")
        return tr(language_for(view, Role.CANDIDATE),
                  "A reminder from {recruiter}: please pick a time for your **{role_title}** interview.",
                  recruiter=md(view.recruiter.name), role_title=md(view.role_title))
    return None


def offer_slots_lead(view: InterviewView, data: Data) -> str:
    """The client is asked for slots: a new request, the candidate's other times, or a change."""
    if data.get("note") == "other_times":
        # The candidate wrote their times on their own clock: say which, when it is not the client's.
        theirs = (f" (in their time zone, {md(view.candidate.zone)})"
                  if view.candidate.zone != view.client.zone else "")
        lead = (f"{md(view.candidate.name)} can't make any of the offered times and suggests{theirs}: "
                f"{md(quoted(view.candidate_note or ''))} Could you offer new slots?")
    else:
        lead = (f"{md(view.recruiter.name)} would like to set up an interview with "
                f"{md(view.candidate.name)} for **{md(view.role_title)}**. Which times suit you?")
    return change_lead(view, data) or lead


def pick_slot_lead(view: InterviewView, data: Data) -> str:
    lang = language_for(view, Role.CANDIDATE)
    lead = tr(lang, "Good news: {client} has offered times for **{role_title}**.",
              client=md(view.client.name), role_title=md(view.role_title))
    if view.page_version is not None and not view.slots:
        lead = tr(lang, "Hello {candidate}! {recruiter} would like you to interview for "
                  "**{role_title}** with {client}. Pick the time that suits you best:",
                  candidate=md(view.candidate.name), recruiter=md(view.recruiter.name),
                  role_title=md(view.role_title), client=md(view.client.name))
    return change_lead(view, data) or lead


def pick_greeting(view: InterviewView) -> str:
    """The line above the times when the candidate opens their chat."""
    return tr(language_for(view, Role.CANDIDATE),
              "Hello {name}! Pick the time that suits you best for **{role_title}**.",
              name=md(view.candidate.name), role_title=md(view.role_title))


def booked_reply(view: InterviewView, booked: Interval, zone_name: str, *, already: bool) -> str:
    """The candidate's answer to their pick: booked (or already booked) for the time, in their zone."""
    lang = language_for(view, Role.CANDIDATE)
    when = local_range(booked, zone_name, lang)
    if already:
        return tr(lang, "You're already booked for {when}. See you then!", when=when)
    return tr(lang, "Booked: {when}. Your confirmation and calendar invitation are on their way.", when=when)


def feedback_lead(view: InterviewView, role: Role, *, answered: bool) -> str:
    """What a client or candidate opening their link after the interview reads, in their language."""
    lang, name, role_title = language_for(view, role), md(view.party(role).name), md(view.role_title)
    recruiter = md(view.recruiter.name)
    if view.stage is Stage.AWAITING_FEEDBACK and answered:
        return tr(lang, "Hello {name}! Here are your answers; change anything and send them again.",
                  name=name)
    if view.stage is Stage.AWAITING_FEEDBACK:
        return tr(lang, "Hello {name}! How did the interview for **{role_title}** go?",
                  name=name, role_title=role_title)
    if view.stage is Stage.NO_SHOW:
        return tr(lang, "Hello {name}! The interview for **{role_title}** was recorded as a no-show; "
                  "{recruiter} will be in touch.", name=name, role_title=role_title, recruiter=recruiter)
    return tr(lang, "Hello {name}! Thanks: the feedback for **{role_title}** is with {recruiter}, who will "
              "be in touch about next steps.", name=name, role_title=role_title, recruiter=recruiter)


# What the recruiter's controls (``services.controls``) say above the booking's card again.
_CONFIRMATION_LEADS: Mapping[str, str] = {
    "resent": N_("Here is your interview invitation again."),
    "meeting_link": N_("Here is the link to join your Teams meeting: use the Join button."),
    "reschedule_allowed": N_("Your recruiter has allowed one more reschedule: if this time does not "
                             "suit you, press Reschedule."),
}


def confirmation_lead(view: InterviewView, role: Role, note: str) -> str | None:
    """The line above the booking's card sent again by a recruiter's control, in their language."""
    message = _CONFIRMATION_LEADS.get(note)
    return tr(language_for(view, role), message) if message else None


def zone_changed_reply(view: InterviewView | None, role: Role, zone: str) -> str:
    """The answer to a person who chose the zone they read times in."""
    lang = language_for(view, role) if view is not None else DEFAULT_LANGUAGE
    return tr(lang, "Done: I'll show you times in **{zone}** from now on.", zone=md(zone))


def already_booked_reply(view: InterviewView, role: Role) -> str:
    """There is no time to pick: the interview is booked, for this time in their zone."""
    assert view.booked is not None
    lang = language_for(view, role)
    return tr(lang, "This interview is already booked for {when}.",
              when=local_range(view.booked, view.party(role).zone, lang))


def proposed_reply(view: InterviewView, read: str | None = None) -> str:
    """The candidate's answer once their own times are sent to the client: with `read` (the
    windows their words were read as, chat bullets), that the client can book one; without, that
    their words went as written."""
    lang = language_for(view, Role.CANDIDATE)
    if read:
        return tr(lang, "Thanks. I've sent {client} the times you proposed, as I read them:\n\n{read}\n\n"
                  "They can book one of them with a click; I'll confirm as soon as they do.",
                  client=md(view.client.name), read=read)
    return tr(lang, "Thanks. I've passed your words to {client} as you wrote them and asked for new times "
              "that suit you; I'll be back with them.", client=md(view.client.name))


def pending_reminder_lead(view: InterviewView, role: Role) -> str:
    """The gentle reminder to a client who offered no slots, or a candidate who did not pick."""
    if role is Role.CLIENT:
        return (f"A gentle reminder: which times suit you for the **{md(view.role_title)}** interview "
                f"with {md(view.candidate.name)}?")
    return tr(language_for(view, role),
              "A gentle reminder: please pick a time for your **{role_title}** interview.",
              role_title=md(view.role_title))


def recruiter_detail(view: InterviewView, data: Data) -> str | None:
    """The detail line of a recruiter's update card: what changed, by whom, why."""
    note = data.get("note")
    reason = data.get("reason")
    why = f" Reason: {md(quoted(reason))}" if reason else ""
    if note == "rescheduled":
        who = _who_md(view, data)
        start = data.get("previous_start")
        was = (f" It was booked for {format_local(datetime.fromisoformat(start), view.recruiter.zone)}."
               if start else "")
        then = (f"{md(view.candidate.name)} picks a new time from {md(view.client.name)}'s "
                "booking page." if view.page_version is not None and view.stage is Stage.AWAITING_PICK
                else f"{md(view.client.name)} has been asked for new slots.")
        return f"{who} asked to reschedule.{why}{was} {then}"
    if note == "from_page":
        return (f"{md(view.candidate.name)} is picking a time from {md(view.client.name)}'s "
                "booking page; nobody needs to offer slots. I'll tell you when it is booked.")
    if note == "reschedule_limit":
        who = _who_md(view, data)
        return (f"{who} asked to reschedule again but has used every reschedule allowed, so nothing "
                f"was changed: please decide.{why}")
    if note == "cancelled":
        who = _who_md(view, data)
        return f"Cancelled by {who}.{why}"
    if note == "handed_over":  # services/team.py: view.recruiter is the new owner
        by, before = md(data.get("by_name") or "A recruiter"), md(data.get("from_name") or "the owner")
        return (f"{by} handed this interview over to {md(view.recruiter.name)}, who owns it now; "
                f"{before} stays on it as a co-recruiter.")
    return None


def pending_overdue_note(view: InterviewView, waiting: Role, entered: datetime) -> str:
    since = format_local(entered, view.recruiter.zone)
    what = "offered no slots" if waiting is Role.CLIENT else "not picked a time"
    return f"{_name_md(view, waiting)} has {what} since {since}, after every reminder."


def feedback_prompt_lead(view: InterviewView, role: Role, *, reminder: bool) -> str:
    other = md(view.candidate.name) if role is Role.CLIENT else _name_md(view, Role.CLIENT)
    lang = language_for(view, role)
    if reminder:
        return tr(lang, "A gentle reminder: how did your interview with {other} for "
                  "**{role_title}** go? It takes a minute.", other=other, role_title=md(view.role_title))
    return tr(lang, "Thanks for taking part in the interview with {other} for **{role_title}**. "
              "How did it go? Only the recruiter sees your answers.",
              other=other, role_title=md(view.role_title))


def feedback_overdue_note(view: InterviewView, missing: list[Role], closes: datetime | None) -> str:
    names = " and ".join(_name_md(view, r) for r in missing)
    until = (
        f" The summary follows on {format_local(closes, view.recruiter.zone)} with whatever is in."
        if closes
        else ""
    )
    return f"No feedback yet from {names}, after every reminder.{until}"


def feedback_received_note(view: InterviewView, data: Data) -> str:
    by = Role(data.get("by", "client"))
    verb = "updated their feedback" if data.get("note") == "feedback_updated" else "gave feedback"
    who = _party_md(view, data.get("party") or "", by)
    message = f"{who} {verb}: {data.get('rating', '?')}/5 ({md(view.role_title)}"
    message += (f", {md(view.candidate.name)})." if by is Role.CLIENT
                else f" at {_name_md(view, Role.CLIENT)}).")
    if view.stage is Stage.AWAITING_FEEDBACK:
        if "waiting" in data:
            waiting = [_party_md(view, party_id, Role.CLIENT) for party_id in data["waiting"].split()]
        else:  # a note planned before each answer named who is still awaited
            waiting = [_name_md(view, Role.CANDIDATE if by is Role.CLIENT else Role.CLIENT)]
        if waiting:
            message += f" Waiting for {_and(waiting)}."
    return message


def _party_md(view: InterviewView, party_id: str, role: Role) -> str:
    """A party of the interview by id, as ``_name_md`` names them: the client contact with their
    organisation, another interviewer of the panel by name, else the party playing ``role``."""
    if party_id == view.candidate.id:
        return md(view.candidate.name)
    if party_id and party_id != view.client.id:
        for seat in view.interviewers:
            if seat.party.id == party_id:
                return md(seat.party.name)
    return _name_md(view, Role.CLIENT if party_id == view.client.id else role)


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def no_show_note(view: InterviewView, absent: Role, by: Role) -> str:
    reporter = "you" if by is Role.RECRUITER else _name_md(view, by)
    return (f"No-show: {_name_md(view, absent)} did not come (reported by {reporter}). "
            "Feedback is skipped.")


# The candidate's waking day: a time offered by hand outside it is flagged to the client.
CANDIDATE_DAY = (time(8, 0), time(20, 0))


def outside_candidate_day(slot: Interval, zone_name: str) -> bool:
    """True when `slot` starts before 08:00 or ends after 20:00 on the candidate's clock (or
    runs into their next day)."""
    tz = zone(zone_name)
    start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
    first, last = CANDIDATE_DAY
    return start.date() != end.date() or start.time() < first or end.time() > last


def offered_lines(view: InterviewView, slots: Sequence[Interval]) -> str:
    """The slots a client offered, each in the client's zone and the candidate's, flagged when it
    falls outside the candidate's 08:00–20:00 (markdown bullets)."""
    candidate = md(view.candidate.name)
    lines = []
    for slot in slots:
        line = (f"- {format_local_range(slot, view.client.zone)}; for {candidate}: "
                f"{format_local_times(slot, view.candidate.zone)}")
        if view.candidate.zone != view.client.zone and outside_candidate_day(slot, view.candidate.zone):
            line += f" ⚠ outside 08:00–20:00 for {candidate}"
        lines.append(line)
    return "\n".join(lines)
