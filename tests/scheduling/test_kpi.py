"""The tracker's KPIs, against values computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from scheduling.intervals import Interval
from scheduling.kpi import InterviewFacts, Kpis, compute_kpis, percentile, weekly_trend

H = timedelta(hours=1)
D = timedelta(days=1)


def utc(mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(2026, mo, d, h, mi, tzinfo=UTC)


def facts(
    interview_id: str,
    requested_at: datetime,
    booked_at: datetime | None = None,
    starts_at: datetime | None = None,
    *,
    reschedules: int = 0,
    cancelled_at: datetime | None = None,
    no_show: str | None = None,
    feedback_requested_at: datetime | None = None,
    client_feedback_at: datetime | None = None,
    candidate_feedback_at: datetime | None = None,
    decision: str | None = None,
) -> InterviewFacts:
    return InterviewFacts(
        interview_id,
        requested_at,
        booked_at,
        starts_at,
        reschedules,
        cancelled_at,
        no_show,
        feedback_requested_at,
        client_feedback_at,
        candidate_feedback_at,
        decision,
    )


# time to schedule / lead time written next to each interview, in hand-computed values.
A = facts(
    "A",
    utc(3, 2, 9),
    utc(3, 3, 9),  # 1 d to schedule
    utc(3, 10, 9),  # 7 d lead
    feedback_requested_at=utc(3, 10, 10, 30),
    client_feedback_at=utc(3, 10, 12, 30),  # 2 h
    candidate_feedback_at=utc(3, 11, 10, 30),  # 24 h
    decision="offer",
)
B = facts("B", utc(3, 5), utc(3, 5, 6), utc(3, 12), reschedules=2, no_show="candidate")  # 6 h; 6 d 18 h
C = facts("C", utc(3, 9), utc(3, 12), utc(3, 20), reschedules=1, cancelled_at=utc(3, 15))  # 3 d; 8 d
D_ = facts("D", utc(3, 20))  # never booked
E = facts("E", utc(2, 25), utc(3, 2), utc(3, 6))  # requested before March: 5 d
F = facts("F", utc(3, 25), utc(3, 26), utc(4, 10))  # 1 d; 15 d; starts after March
G = facts(
    "G",
    utc(3, 28),
    utc(3, 29, 12),  # 1 d 12 h
    utc(3, 31, 10),  # 1 d 22 h
    no_show="client",
    feedback_requested_at=utc(3, 31, 11, 30),
    candidate_feedback_at=utc(4, 2),  # 1 d 12 h 30 min, after March
    decision="on_hold",
)
ALL = [A, B, C, D_, E, F, G]
MARCH = Interval(utc(3, 1), utc(4, 1))


@pytest.mark.parametrize(
    ("period", "as_of", "expected"),
    [
        (
            MARCH,
            None,
            Kpis(
                count=6,
                time_to_schedule_median=D,  # 6 h, 1 d, [1 d], 1 d 12 h, 3 d
                time_to_schedule_p90=3 * D,  # rank ⌈4.5⌉ = 5
                lead_time_median=7 * D,  # 1 d 22 h, 6 d 18 h, [7 d], 8 d, 15 d
                reschedule_rate=2 / 5,  # B and C of five booked
                no_show_rate_client=1 / 3,  # G of A, B, G (C cancelled, F not yet due)
                no_show_rate_candidate=1 / 3,  # B
                feedback_response_rate_client=1 / 2,  # A of A, G
                feedback_response_rate_candidate=1 / 2,  # G's answer came in April
                time_to_feedback_median=2 * H,  # [2 h], 24 h: the lower middle
                decisions={"offer": 1, "on_hold": 1},
            ),
        ),
        (
            MARCH,
            utc(4, 3),
            Kpis(
                count=6,
                time_to_schedule_median=D,
                time_to_schedule_p90=3 * D,
                lead_time_median=7 * D,
                reschedule_rate=2 / 5,
                no_show_rate_client=1 / 3,
                no_show_rate_candidate=1 / 3,
                feedback_response_rate_client=1 / 2,
                feedback_response_rate_candidate=1.0,
                time_to_feedback_median=24 * H,  # 2 h, [24 h], 36 h 30 min
                decisions={"offer": 1, "on_hold": 1},
            ),
        ),
        (
            MARCH,
            utc(3, 11),
            Kpis(
                count=3,  # A, B, C requested by 11 March
                time_to_schedule_median=6 * H,  # [6 h], 1 d (C booked on the 12th)
                time_to_schedule_p90=D,
                lead_time_median=6 * D + 18 * H,
                reschedule_rate=1 / 2,
                no_show_rate_client=0.0,  # only A was due
                no_show_rate_candidate=0.0,
                feedback_response_rate_client=1.0,
                feedback_response_rate_candidate=0.0,  # A's candidate answered on the 11th, 10:30
                time_to_feedback_median=2 * H,
                decisions={"offer": 1},
            ),
        ),
        (
            Interval(utc(1, 1), utc(2, 1)),
            None,
            Kpis(
                count=0,
                time_to_schedule_median=None,
                time_to_schedule_p90=None,
                lead_time_median=None,
                reschedule_rate=None,
                no_show_rate_client=None,
                no_show_rate_candidate=None,
                feedback_response_rate_client=None,
                feedback_response_rate_candidate=None,
                time_to_feedback_median=None,
                decisions={},
            ),
        ),
    ],
    ids=["March as of its end", "March seen two days later", "March as of the 11th", "no data"],
)
def test_kpis_for_the_interviews_requested_in_a_period(
    period: Interval, as_of: datetime | None, expected: Kpis
) -> None:
    assert compute_kpis(ALL, period, as_of=as_of) == expected


def test_a_cancelled_interview_is_not_a_no_show() -> None:
    cancelled = facts("X", utc(3, 2), utc(3, 3), utc(3, 4), cancelled_at=utc(3, 3, 12))
    held = facts("Y", utc(3, 2), utc(3, 3), utc(3, 4), no_show="client")
    kpis = compute_kpis([cancelled, held], MARCH)
    assert kpis.no_show_rate_client == 1.0
    assert kpis.no_show_rate_candidate == 0.0


HOURS = [h * H for h in range(1, 11)]


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        (HOURS, 50, 5 * H),
        (HOURS, 90, 9 * H),
        (HOURS, 91, 10 * H),
        (HOURS, 100, 10 * H),
        (HOURS, 1, 1 * H),
        (list(reversed(HOURS)), 50, 5 * H),
        ([1 * H, 2 * H, 3 * H, 4 * H], 50, 2 * H),
        ([7 * H], 90, 7 * H),
        ([], 50, None),
    ],
    ids=[
        "median of ten",
        "p90 of ten",
        "just above p90",
        "p100 is the maximum",
        "p1 is the minimum",
        "unsorted input",
        "even count takes the lower middle",
        "one value",
        "no values",
    ],
)
def test_percentiles_use_the_nearest_rank(
    values: list[timedelta], p: float, expected: timedelta | None
) -> None:
    assert percentile(values, p) == expected


@pytest.mark.parametrize("p", [0, -5, 101], ids=["zero", "negative", "above 100"])
def test_a_percentile_outside_0_to_100_is_a_programming_error(p: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile(HOURS, p)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (
            Interval(utc(3, 2), utc(3, 23)),
            [
                (date(2026, 3, 2), 3, D),  # E 5 d, A 1 d, B 6 h → [1 d]
                (date(2026, 3, 9), 1, 3 * D),  # C
                (date(2026, 3, 16), 0, None),
            ],
        ),
        (
            Interval(utc(3, 4), utc(3, 14)),
            [(date(2026, 3, 2), 1, 6 * H), (date(2026, 3, 9), 1, 3 * D)],  # A was on the 3rd
        ),
        (
            Interval(utc(3, 2), utc(3, 16)),
            [(date(2026, 3, 2), 3, D), (date(2026, 3, 9), 1, 3 * D)],
        ),
        (
            Interval(utc(3, 23), utc(4, 1)),
            [(date(2026, 3, 23), 2, D), (date(2026, 3, 30), 0, None)],  # F 1 d, G 1 d 12 h
        ),
    ],
    ids=[
        "three whole weeks, the empty one listed",
        "a period starting mid-week",
        "a period ending on a Monday stops before it",
        "a period ending mid-week lists that week",
    ],
)
def test_weekly_trend_counts_bookings_per_week(
    period: Interval, expected: list[tuple[date, int, timedelta | None]]
) -> None:
    assert weekly_trend(ALL, period) == expected
