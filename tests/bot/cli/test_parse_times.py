"""`askarsan parse-times` as support staff and scripts run it: no settings, no database, only PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def parse_times(*args: str) -> subprocess.CompletedProcess[str]:
    # ``-m`` from the repository root: this checkout's code, and nothing from the environment
    # (no ASKARSAN_*, no database URL, no HOME).
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "parse-times", *args],
        env={"PATH": os.environ.get("PATH", "")},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_the_windows_come_in_the_senders_zone_in_the_order_they_were_said() -> None:
    result = parse_times(
        "--zone", "Asia/Kolkata", "--now", "2026-12-03T10:00:00+05:30", "--locale", "en-IN",
        "Mon–Wed after 14:00",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "windows": [
            {"start": "2026-12-07T14:00:00+05:30", "end": "2026-12-07T20:00:00+05:30"},
            {"start": "2026-12-08T14:00:00+05:30", "end": "2026-12-08T20:00:00+05:30"},
            {"start": "2026-12-09T14:00:00+05:30", "end": "2026-12-09T20:00:00+05:30"},
        ],
        "problems": [],
    }


def test_a_start_time_in_spanish_lasts_the_duration_given() -> None:
    result = parse_times(
        "--zone", "Europe/Madrid", "--now", "2026-12-03T10:00:00+01:00", "--locale", "es-ES",
        "--duration", "45", "¿podemos el 9 a las 10:30?",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["windows"] == [
        {"start": "2026-12-09T10:30:00+01:00", "end": "2026-12-09T11:15:00+01:00"}
    ]


def test_now_without_an_offset_is_a_wall_time_in_the_zone_and_offsets_follow_dst() -> None:
    # Saturday 23:30 in London, the night the clocks go forward: "tomorrow" is Sunday, in BST.
    result = parse_times("--zone", "Europe/London", "--now", "2026-03-28T23:30", "tomorrow at 9")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["windows"] == [
        {"start": "2026-03-29T09:00:00+01:00", "end": "2026-03-29T10:00:00+01:00"}
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [("what is the salary?", None), ("le 1er décembre", "is in the past")],
    ids=["nothing understood", "in the past"],
)
def test_text_it_cannot_use_still_succeeds_with_empty_windows(text: str, problem: str | None) -> None:
    result = parse_times("--zone", "Europe/Paris", "--now", "2026-12-03T10:00:00+01:00", "--locale", "fr-FR", text)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["windows"] == []
    if problem is None:
        assert out["problems"] == []
    else:
        assert len(out["problems"]) == 1 and problem in out["problems"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--zone", "Mars/Olympus_Mons", "--now", "2026-12-03T10:00", "x"], "argument --zone"),
        (["--zone", "Europe/London", "--now", "yesterday", "x"], "argument --now"),
        (["--zone", "Europe/London", "--now", "2026-03-29T01:30", "x"], "--now: Sun 29 Mar 2026 01:30 does not exist"),
        (["--zone", "Europe/London", "--now", "2026-12-03T10:00", "--locale", "de-DE", "x"], "argument --locale"),
        (["--zone", "Europe/London", "--now", "2026-12-03T10:00", "--duration", "0", "x"], "argument --duration"),
        (["--now", "2026-12-03T10:00", "x"], "--zone"),
        (["--zone", "Europe/London", "--now", "2026-12-03T10:00"], "text"),
    ],
    ids=["unknown zone", "not a date-time", "now in a DST gap", "German", "zero minutes", "no zone", "no text"],
)
def test_invalid_arguments_exit_2_with_a_message_naming_the_argument(args: list[str], message: str) -> None:
    result = parse_times(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
