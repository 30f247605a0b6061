"""The tracker's KPIs, computed from flat facts about each interview.

Definitions, for the interviews *requested* within the period (the cohort):

- time to schedule: ``booked_at - requested_at``, over booked interviews;
- lead time: ``starts_at - booked_at``, over booked interviews with a start;
- reschedule rate: share of booked interviews rescheduled at least once;
- no-show rates: interviews where that side did not show, over interviews that were due —
  booked, not cancelled, starting before ``as_of`` (a cancelled interview is not a no-show);
- feedback response rates: answers from that side over interviews where feedback was requested;
- time to feedback: ``*_feedback_at - feedback_requested_at``, both sides' answers pooled;
- decisions: how many interviews ended in each recorded decision.

``as_of`` (keyword, defaults to the period's end) is the "now" of the report: events after it are
not counted. Rates are floats in 0..1, or None when nothing could be counted.

Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value of
rank ⌈p/100 · n⌉ (1-based). The median is the 50th percentile by that method, so for an even
count it is the lower of the two middle values — always one of the observed durations.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from scheduling.intervals import Interval

__all__ = ["InterviewFacts", "Kpis", "compute_kpis", "percentile", "weekly_trend"]


@dataclass(frozen=True)
class InterviewFacts:
    interview_id: str
    requested_at: datetime
    booked_at: datetime | None
    starts_at: datetime | None
    reschedules: int
    cancelled_at: datetime | None
    no_show: str | None  # "client" | "candidate" | None
    feedback_requested_at: datetime | None
    client_feedback_at: datetime | None
    candidate_feedback_at: datetime | None
    decision: str | None


@dataclass(frozen=True)
class Kpis:
    count: int
    time_to_schedule_median: timedelta | None
    time_to_schedule_p90: timedelta | None
    lead_time_median: timedelta | None
    reschedule_rate: float | None
    no_show_rate_client: float | None
    no_show_rate_candidate: float | None
    feedback_response_rate_client: float | None
    feedback_response_rate_candidate: float | None
    time_to_feedback_median: timedelta | None
    decisions: dict[str, int] = field(default_factory=dict)


def percentile(values: Sequence[timedelta], p: float) -> timedelta | None:
    """The ``p``-th percentile (0 < p ≤ 100) by nearest rank, or None for no values."""
    if not 0 < p <= 100:
        raise ValueError(f"percentile needs 0 < p <= 100, got {p}")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _happened(at: datetime | None, as_of: datetime) -> bool:
    return at is not None and at <= as_of


def compute_kpis(facts: Sequence[InterviewFacts], period: Interval, *, as_of: datetime | None = None) -> Kpis:
    """The KPIs of the interviews requested within ``period`` (see the module docstring)."""
    as_of = period.end if as_of is None else as_of
    cohort = [f for f in facts if period.contains(f.requested_at) and f.requested_at <= as_of]

    to_schedule: list[timedelta] = []
    lead_times: list[timedelta] = []
    rescheduled = 0
    due = no_show_client = no_show_candidate = 0
    asked = answered_client = answered_candidate = 0
    to_feedback: list[timedelta] = []
    decisions: Counter[str] = Counter()

    for f in cohort:
        if f.booked_at is not None and f.booked_at <= as_of:
            to_schedule.append(f.booked_at - f.requested_at)
            rescheduled += f.reschedules > 0
            if f.starts_at is not None:
                lead_times.append(f.starts_at - f.booked_at)
            cancelled = _happened(f.cancelled_at, as_of)
            if f.starts_at is not None and f.starts_at <= as_of and not cancelled:
                due += 1
                no_show_client += f.no_show == "client"
                no_show_candidate += f.no_show == "candidate"
        requested = f.feedback_requested_at
        if requested is not None and requested <= as_of:
            asked += 1
            for answered_at, side in (
                (f.client_feedback_at, "client"),
                (f.candidate_feedback_at, "candidate"),
            ):
                if answered_at is not None and answered_at <= as_of:
                    to_feedback.append(answered_at - requested)
                    if side == "client":
                        answered_client += 1
                    else:
                        answered_candidate += 1
        if f.decision:
            decisions[f.decision] += 1

    return Kpis(
        count=len(cohort),
        time_to_schedule_median=percentile(to_schedule, 50),
        time_to_schedule_p90=percentile(to_schedule, 90),
        lead_time_median=percentile(lead_times, 50),
        reschedule_rate=_rate(rescheduled, len(to_schedule)),
        no_show_rate_client=_rate(no_show_client, due),
        no_show_rate_candidate=_rate(no_show_candidate, due),
        feedback_response_rate_client=_rate(answered_client, asked),
        feedback_response_rate_candidate=_rate(answered_candidate, asked),
        time_to_feedback_median=percentile(to_feedback, 50),
        decisions=dict(sorted(decisions.items())),
    )


def weekly_trend(
    facts: Sequence[InterviewFacts], period: Interval
) -> list[tuple[date, int, timedelta | None]]:
    """Per week of ``period``: (Monday, interviews booked that week, median time to schedule).

    Weeks run Monday 00:00 to Monday 00:00 UTC; every week that overlaps the period is listed,
    empty ones as ``(monday, 0, None)``, so a chart has no holes. An interview counts in the week
    its ``booked_at`` falls in, if that is within the period.
    """
    first = period.start.date() - timedelta(days=period.start.weekday())
    last_instant = period.end - timedelta(microseconds=1)
    last = last_instant.date() - timedelta(days=last_instant.weekday())
    weeks: dict[date, list[timedelta]] = {}
    monday = first
    while monday <= last:
        weeks[monday] = []
        monday += timedelta(weeks=1)
    for f in facts:
        if f.booked_at is None or not period.contains(f.booked_at):
            continue
        booked = f.booked_at.astimezone(period.start.tzinfo)
        weeks[booked.date() - timedelta(days=booked.weekday())].append(f.booked_at - f.requested_at)
    return [(week, len(times), percentile(times, 50)) for week, times in weeks.items()]
