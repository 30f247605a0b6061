"""What the people in an interview read: their own time with its zone, the right attachment, our voice."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
import pytest

from cards.mails import (
    TEMPLATES_DIR,
    booking_confirmed_mail,
    cancelled_mail,
    feedback_request_mail,
    invitation_link_mail,
    reminder_mail,
    render_mail,
    rescheduled_mail,
)
from integrations.ics import invitation_ics
from integrations.mail import MailMessage, to_email_message
from scheduling.intervals import Interval
from scheduling.interview import Format, Role, Stage
from tests.helpers.views import JOIN_URL, NOW, make_view

LINK = "https://askarsan.example/chat/i/3q2-abc"
TEMPLATES = [
    "invitation_link",
    "booking_confirmed",
    "cancelled",
    "rescheduled",
    "reminder",
    "feedback_request",
]


def _ics(method: str = "REQUEST", **overrides: object) -> bytes:
    return invitation_ics(
        make_view(**overrides),
        method=method,
        sequence=1 if method == "CANCEL" else 0,
        organizer_email="askarsan@agency.example",
        attendees=[("Kim Candidate", "kim@mail.example")],
        now=NOW,
    )


@pytest.mark.parametrize(
    ("role", "local_time"),
    [
        # BOOKED is 09:00-10:00 UTC on Tue 20 Oct 2026.
        (Role.CANDIDATE, "Tue 20 Oct 2026, 14:30–15:30 IST (Asia/Kolkata)"),
        (Role.CLIENT, "Tue 20 Oct 2026, 05:00–06:00 EDT (America/New_York)"),
        (Role.RECRUITER, "Tue 20 Oct 2026, 10:00–11:00 BST (Europe/London)"),
    ],
    ids=["candidate-kolkata", "client-new-york", "recruiter-london"],
)
def test_a_confirmation_shows_the_recipients_own_time_with_its_zone(role: Role, local_time: str) -> None:
    mail = booking_confirmed_mail(make_view(), role, "someone@example.com", _ics(), key="k")
    assert local_time in mail.text
    assert local_time in mail.html
    assert "09:00" not in mail.text  # never the UTC wall time


def test_a_confirmation_across_the_london_clock_change_shows_both_abbreviations() -> None:
    booked = Interval(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 0, tzinfo=UTC))
    view = make_view(booked=booked)
    mail = booking_confirmed_mail(view, Role.RECRUITER, "rita@agency.example", _ics(booked=booked), key="k")
    assert "Sun 25 Oct 2026, 01:30 BST–02:00 GMT (Europe/London)" in mail.text


def test_a_confirmation_says_how_to_join_and_attaches_the_invitation() -> None:
    ics = _ics()
    mail = booking_confirmed_mail(make_view(), Role.CANDIDATE, "kim@mail.example", ics, key="iv-42:confirm")
    assert mail.to == ("kim@mail.example",)
    assert mail.idempotency_key == "iv-42:confirm"
    assert "Teams meeting" in mail.text and JOIN_URL in mail.text
    assert f'href="{JOIN_URL}"' in mail.html
    assert "invitation is attached" in mail.text
    assert "Interview confirmed: Backend Engineer, Tue 20 Oct 2026, 14:30 IST (Asia/Kolkata)" == mail.subject
    (attachment,) = mail.attachments
    assert attachment.filename == "invitation.ics"
    assert attachment.content_type == "text/calendar; method=REQUEST; charset=UTF-8"
    assert attachment.data == ics


def test_a_confirmation_refuses_a_cancellation_calendar() -> None:
    with pytest.raises(ValueError, match="METHOD:REQUEST"):
        booking_confirmed_mail(make_view(), Role.CANDIDATE, "kim@mail.example", _ics("CANCEL"), key="k")


def test_on_site_interviews_give_the_address() -> None:
    view = make_view(format=Format.ON_SITE, join_url=None, location="Acme HQ, 1 Main St")
    mail = booking_confirmed_mail(view, Role.CANDIDATE, "kim@mail.example", _ics(), key="k")
    assert "Where: Acme HQ, 1 Main St" in mail.text
    assert "teams.microsoft.com" not in mail.text


def test_every_mail_is_signed_on_behalf_of_the_recruiter() -> None:
    mail = reminder_mail(make_view(), Role.CLIENT, "carl@acme.example", LINK, key="k", hours_before=24)
    assert "askARSAN, on behalf of Rita Recruiter" in mail.text
    assert "askARSAN, on behalf of Rita Recruiter" in mail.html
    assert mail.text.startswith("Hello Carl Client,\n")


def test_names_are_escaped_in_html_and_left_alone_in_text() -> None:
    view = make_view(role_title="<script>alert(1)</script> Engineer")
    mail = booking_confirmed_mail(view, Role.CANDIDATE, "kim@mail.example", _ics(), key="k")
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Engineer" in mail.html
    assert "<script>alert(1)</script> Engineer" in mail.text


@pytest.mark.parametrize(
    ("purpose", "role", "expected"),
    [
        ("offer_slots", Role.CLIENT, "Could you offer a few times"),
        ("pick_slot", Role.CANDIDATE, "shown in your time zone (Asia/Kolkata)"),
        ("feedback", Role.CANDIDATE, "How did the interview"),
    ],
    ids=["client-offers", "candidate-picks", "feedback"],
)
def test_an_invitation_link_mail_carries_the_link_and_what_to_do(
    purpose: str, role: Role, expected: str
) -> None:
    mail = invitation_link_mail(
        make_view(stage=Stage.AWAITING_PICK, booked=None),
        role,
        "x@example.com",
        LINK,
        key="k",
        purpose=purpose,
    )
    assert expected in mail.text
    assert LINK in mail.text and f'href="{LINK}"' in mail.html
    assert "Backend Engineer" in mail.text
    assert "personal" in mail.text  # do not forward it
    assert mail.attachments == ()


def test_the_deadline_is_shown_in_the_recipients_zone() -> None:
    mail = invitation_link_mail(
        make_view(stage=Stage.AWAITING_SLOTS, booked=None),
        Role.CLIENT,
        "carl@acme.example",
        LINK,
        key="k",
        purpose="offer_slots",
        deadline=datetime(2026, 10, 16, 21, 0, tzinfo=UTC),
    )
    assert "Please answer by Fri 16 Oct 2026, 17:00 EDT (America/New_York)." in mail.text


def test_a_cancellation_says_who_why_and_attaches_the_cancel() -> None:
    cancel = _ics("CANCEL", stage=Stage.CANCELLED)
    mail = cancelled_mail(
        make_view(stage=Stage.CANCELLED),
        Role.CANDIDATE,
        "kim@mail.example",
        cancel,
        key="k",
        by=Role.CLIENT,
        reason="The position was filled internally.",
    )
    assert "Carl Client (Acme Corp) cancelled your interview" in mail.text
    assert "The position was filled internally." in mail.text
    assert "Tue 20 Oct 2026, 14:30–15:30 IST (Asia/Kolkata)" in mail.text
    (attachment,) = mail.attachments
    assert attachment.content_type == "text/calendar; method=CANCEL; charset=UTF-8"
    assert attachment.filename == "cancellation.ics"


def test_a_cancellation_before_booking_has_no_calendar_and_thanks_the_one_who_asked() -> None:
    view = make_view(stage=Stage.CANCELLED, booked=None)
    mail = cancelled_mail(
        view, Role.CANDIDATE, "kim@mail.example", None, key="k", by=Role.CANDIDATE, reason=" "
    )
    assert mail.attachments == ()
    assert "As you asked" in mail.text
    assert "Reason" not in mail.text and "attached" not in mail.text


def test_a_reschedule_shows_the_new_and_the_old_time() -> None:
    previous = Interval(datetime(2026, 10, 19, 9, 0, tzinfo=UTC), datetime(2026, 10, 19, 10, 0, tzinfo=UTC))
    mail = rescheduled_mail(
        make_view(), Role.CLIENT, "carl@acme.example", _ics(), key="k", by=Role.CANDIDATE, previous=previous
    )
    assert "Kim Candidate (the candidate) moved your interview" in mail.text
    assert "Tue 20 Oct 2026, 05:00–06:00 EDT (America/New_York)" in mail.text
    assert "Previously: Mon 19 Oct 2026, 05:00–06:00 EDT (America/New_York)" in mail.text
    assert mail.attachments[0].content_type.startswith("text/calendar; method=REQUEST")


# With CALENDAR=graph, Exchange invites the attendees (and cancels for them): no .ics of ours. ---


def _calendar_parts(mail: MailMessage) -> list[str]:
    return [p.get_content_type() for p in to_email_message(mail, "askarsan@agency.example").walk()
            if p.get_content_type() == "text/calendar"]


def test_a_confirmation_without_ics_says_the_invitation_comes_from_microsoft_365() -> None:
    mail = booking_confirmed_mail(make_view(), Role.CANDIDATE, "kim@mail.example", None, key="k", link=LINK)
    assert mail.attachments == () and _calendar_parts(mail) == []
    for body in (mail.text, mail.html):
        assert "The calendar invitation comes separately" in body
        assert "Microsoft 365" in body and "accept it" in body
        assert "attached" not in body
    assert "Tue 20 Oct 2026, 14:30–15:30 IST (Asia/Kolkata)" in mail.text and LINK in mail.text


def test_a_reschedule_without_ics_says_the_old_event_went_and_the_new_invitation_comes_separately() -> None:
    previous = Interval(datetime(2026, 10, 19, 9, 0, tzinfo=UTC), datetime(2026, 10, 19, 10, 0, tzinfo=UTC))
    mail = rescheduled_mail(
        make_view(), Role.CLIENT, "carl@acme.example", None, key="k", by=Role.CANDIDATE, previous=previous
    )
    assert mail.attachments == () and _calendar_parts(mail) == []
    for body in (mail.text, mail.html):
        assert "The calendar event for the old time has been cancelled" in body
        assert "The invitation for the new time comes separately" in body and "Microsoft 365" in body
        assert "attached" not in body
    assert "Previously: Mon 19 Oct 2026, 05:00–06:00 EDT (America/New_York)" in mail.text


def test_a_cancellation_the_calendar_sends_is_announced_not_attached() -> None:
    view = make_view(stage=Stage.CANCELLED)
    mail = cancelled_mail(view, Role.CANDIDATE, "kim@mail.example", None, key="k", by=Role.CLIENT,
                          reason="Filled.", calendar_cancels=True)
    assert mail.attachments == () and _calendar_parts(mail) == []
    for body in (mail.text, mail.html):
        assert "The calendar cancellation comes separately" in body and "Microsoft 365" in body
        assert "attached" not in body
    with pytest.raises(ValueError, match="not both"):
        cancelled_mail(view, Role.CANDIDATE, "kim@mail.example", _ics("CANCEL", stage=Stage.CANCELLED),
                       key="k", by=Role.CLIENT, reason=None, calendar_cancels=True)


def test_with_the_ics_attached_the_mails_say_so_and_never_mention_microsoft_365() -> None:
    confirmed = booking_confirmed_mail(make_view(), Role.CANDIDATE, "kim@mail.example", _ics(), key="k")
    moved = rescheduled_mail(make_view(), Role.CLIENT, "carl@acme.example", _ics(), key="k", by=Role.CLIENT)
    cancelled = cancelled_mail(make_view(stage=Stage.CANCELLED), Role.CANDIDATE, "kim@mail.example",
                               _ics("CANCEL", stage=Stage.CANCELLED), key="k", by=Role.CLIENT, reason=None)
    for mail in (confirmed, moved, cancelled):
        assert len(_calendar_parts(mail)) == 2  # the invitation buttons, and the file
        assert "attached" in mail.text and "attached" in mail.html
        assert "Microsoft 365" not in mail.text + mail.html and "separately" not in mail.text


@pytest.mark.parametrize(("hours", "words"), [(1, "in 1 hour"), (24, "in 24 hours")], ids=["1h", "24h"])
def test_a_reminder_says_how_soon_and_how_to_change_it(hours: int, words: str) -> None:
    mail = reminder_mail(make_view(), Role.CANDIDATE, "kim@mail.example", LINK, key="k", hours_before=hours)
    assert words in mail.subject and words in mail.text
    assert f"reschedule or cancel? Use the chat: {LINK}" in mail.text


def test_feedback_stays_private_to_the_recruiter() -> None:
    mail = feedback_request_mail(
        make_view(stage=Stage.AWAITING_FEEDBACK), Role.CLIENT, "carl@acme.example", LINK, key="k"
    )
    assert "Your answers go to Rita Recruiter only; Kim Candidate will not see them." in mail.text
    assert LINK in mail.text


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_exists_in_text_and_html(template: str) -> None:
    assert (TEMPLATES_DIR / f"{template}.txt.j2").is_file()
    assert (TEMPLATES_DIR / f"{template}.html.j2").is_file()


def test_a_missing_template_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_mail("reminder", subject="x")
