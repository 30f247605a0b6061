"""Invitations and the feed, read back with icalendar as a calendar client would."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar, Event

from integrations.ics import feed_ics, invitation_ics
from scheduling.intervals import Interval
from scheduling.interview import Format, Stage
from scheduling.zones import local_to_utc
from tests.helpers.views import BOOKED, JOIN_URL, NOW, make_view

ORGANIZER = "askarsan@agency.example"
ATTENDEES = [("Carl Client", "carl@acme.example"), ("Kim Candidate", "kim@mail.example")]


def _invite(method: str = "REQUEST", sequence: int = 0, **view_overrides: Any) -> bytes:
    return invitation_ics(
        make_view(**view_overrides),
        method=method,
        sequence=sequence,
        organizer_email=ORGANIZER,
        attendees=ATTENDEES,
        now=NOW,
    )


def _event(ics: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and isinstance(events[0], Event)
    return calendar, events[0]


def test_an_invitation_is_an_itip_request_for_the_booked_time() -> None:
    calendar, event = _event(_invite())
    assert calendar["VERSION"] == "2.0"
    assert "askARSAN" in str(calendar["PRODID"])
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == "iv-42@askarsan"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == BOOKED.start
    assert event.decoded("DTEND") == BOOKED.end
    assert event.decoded("DTSTAMP") == NOW
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Interview: Backend Engineer — Kim Candidate with Acme Corp"


def test_times_are_written_in_utc_with_z() -> None:
    raw = _invite().decode()
    assert "DTSTART:20261020T090000Z\r\n" in raw
    assert "DTEND:20261020T100000Z\r\n" in raw
    assert "DTSTAMP:20261001T090000Z\r\n" in raw
    assert "VTIMEZONE" not in raw and "TZID" not in raw


def test_the_uid_stays_and_the_sequence_grows_across_updates() -> None:
    _, first = _event(_invite(sequence=0))
    moved = Interval(BOOKED.start + timedelta(days=1), BOOKED.end + timedelta(days=1))
    _, second = _event(_invite(sequence=1, booked=moved))
    assert first["UID"] == second["UID"]
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (0, 1)
    assert second.decoded("DTSTART") == moved.start


def test_a_cancellation_carries_the_same_uid_and_status_cancelled() -> None:
    _, request = _event(_invite(sequence=0))
    calendar, cancel = _event(_invite("CANCEL", sequence=1, stage=Stage.CANCELLED))
    assert calendar["METHOD"] == "CANCEL"
    assert cancel["STATUS"] == "CANCELLED"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] == 1
    assert cancel.walk("VALARM") == []


def test_every_attendee_is_asked_to_reply() -> None:
    _, event = _event(_invite())
    attendees = event.attendees
    assert [str(a) for a in attendees] == ["mailto:carl@acme.example", "mailto:kim@mail.example"]
    for attendee, (name, _) in zip(attendees, ATTENDEES, strict=True):
        assert attendee.params["CN"] == name
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
    assert str(event["ORGANIZER"]) == f"mailto:{ORGANIZER}"
    assert "Rita Recruiter" in event["ORGANIZER"].params["CN"]


def test_a_request_rings_fifteen_minutes_before() -> None:
    _, event = _event(_invite())
    (alarm,) = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)


@pytest.mark.parametrize(
    ("fmt", "overrides", "location", "in_description"),
    [
        (Format.TEAMS, {}, JOIN_URL, f"Join: {JOIN_URL}"),
        (
            Format.ON_SITE,
            {"join_url": None, "location": "1 Main St, Springfield"},
            "1 Main St, Springfield",
            "Where: 1 Main St, Springfield",
        ),
        (Format.PHONE, {"join_url": None}, "Phone", "Format: Phone call"),
    ],
    ids=["teams", "on-site", "phone"],
)
def test_location_and_description_follow_the_format(
    fmt: Format, overrides: dict[str, Any], location: str, in_description: str
) -> None:
    _, event = _event(_invite(format=fmt, **overrides))
    assert str(event["LOCATION"]) == location
    description = str(event["DESCRIPTION"])
    assert in_description in description
    assert "Kim Candidate" in description and "Carl Client" in description


def test_an_interview_without_a_booking_has_no_invitation() -> None:
    with pytest.raises(ValueError, match="no booked time"):
        _invite(booked=None, stage=Stage.AWAITING_PICK)


def test_lines_are_crlf_and_folded_at_75_octets() -> None:
    raw = _invite(role_title="Principal Distributed Systems Engineer, Payments Infrastructure " * 2)
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")


# Times across DST transitions in several zones, and in one without DST (docs/architecture.md,
# "Rules that hold everywhere").
@pytest.mark.parametrize(
    ("zone_name", "day", "expected_start"),
    [
        ("Europe/London", date(2026, 10, 24), "20261024T080000Z"),  # BST, the day before
        ("Europe/London", date(2026, 10, 25), "20261025T090000Z"),  # GMT, the last Sunday of October
        ("America/New_York", date(2026, 10, 31), "20261031T130000Z"),  # EDT
        ("America/New_York", date(2026, 11, 1), "20261101T140000Z"),  # EST
        ("Asia/Kolkata", date(2026, 10, 25), "20261025T033000Z"),  # +05:30
        ("Australia/Adelaide", date(2026, 4, 4), "20260403T223000Z"),  # ACDT +10:30
        ("Australia/Adelaide", date(2026, 4, 5), "20260404T233000Z"),  # ACST +09:30
        ("Asia/Tokyo", date(2026, 10, 25), "20261025T000000Z"),  # no DST
    ],
    ids=lambda v: str(v),
)
def test_a_local_nine_oclock_is_the_right_utc_instant_around_dst(
    zone_name: str, day: date, expected_start: str
) -> None:
    start = local_to_utc(day, time(9, 0), zone_name)
    booked = Interval(start, start + timedelta(hours=1))
    raw = _invite(booked=booked).decode()
    assert f"DTSTART:{expected_start}\r\n" in raw
    _, event = _event(raw.encode())
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)


def test_a_booking_across_the_london_clock_change_keeps_its_real_length() -> None:
    # 01:30 BST -> 02:00 GMT on Sun 25 Oct 2026: 90 minutes of real time, not 30.
    booked = Interval(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 2, 0, tzinfo=UTC))
    _, event = _event(_invite(booked=booked))
    assert event.decoded("DTSTART") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)


def test_the_feed_lists_booked_interviews_without_method_or_addresses() -> None:
    later = Interval(BOOKED.start + timedelta(days=2), BOOKED.end + timedelta(days=2))
    feed = feed_ics(
        [
            (make_view(), 0),
            (make_view(id="iv-43", booked=later, stage=Stage.CANCELLED), 2),
            (make_view(id="iv-44", booked=None, stage=Stage.AWAITING_SLOTS), 0),
        ],
        name="Agency interviews",
        now=NOW,
    )
    calendar = Calendar.from_ical(feed)
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == "Agency interviews"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"iv-42@askarsan", "iv-43@askarsan"}
    assert events["iv-42@askarsan"]["STATUS"] == "CONFIRMED"
    assert events["iv-43@askarsan"]["STATUS"] == "CANCELLED"
    assert events["iv-43@askarsan"]["SEQUENCE"] == 2
    assert events["iv-43@askarsan"].decoded("DTSTART") == later.start
    assert b"ATTENDEE" not in feed and b"mailto:" not in feed


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation_ics(
            make_view(),
            method="REQUEST",
            sequence=0,
            organizer_email=ORGANIZER,
            attendees=ATTENDEES,
            now=datetime(2026, 10, 1, 9, 0),
        )
