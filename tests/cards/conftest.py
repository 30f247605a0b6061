"""Fixtures for the card tests: interviews to draw, and the official Adaptive Card 1.5 schema.

The schema is installed by ``install_schema.py`` (beside this file) into the git-ignored
``node_modules/.adaptivecards-schema/``. Without it the schema tests are skipped with the reason,
except under CI (``CI`` set), where they fail: CI must check the schema.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest

from scheduling.intervals import Interval
from scheduling.interview import Format, InterviewView, OfferedSlot, PartyView, Stage
from tests.cards import install_schema

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday; London is on GMT, Kolkata at +05:30


def make_view(**overrides: Any) -> InterviewView:
    values: dict[str, Any] = {
        "id": "iv-123",
        "role_title": "Senior Data Engineer",
        "format": Format.TEAMS,
        "stage": Stage.AWAITING_PICK,
        "duration": timedelta(minutes=60),
        "recruiter": PartyView("r-1", "Rita Recruiter", "Europe/London"),
        "client": PartyView("c-1", "Priya Shah", "Europe/London", "Contoso Ltd"),
        "candidate": PartyView("k-1", "Tom Okafor", "Asia/Kolkata"),
        "slots": (
            OfferedSlot("s-1", Interval(T0, T0 + timedelta(hours=1))),
            OfferedSlot("s-2", Interval(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=1))),
        ),
    }
    values.update(overrides)
    return InterviewView(**values)


def booked_view(**overrides: Any) -> InterviewView:
    values: dict[str, Any] = {
        "stage": Stage.SCHEDULED,
        "booked": Interval(T0, T0 + timedelta(hours=1)),
        "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
        "slots": (),
    }
    values.update(overrides)
    return make_view(**values)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first (ShowCard cards and ActionSets included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def actions_of(card: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        n for n in walk(card)
        if isinstance(n.get("type"), str) and n["type"].startswith("Action.")
        and (kind is None or n["type"] == kind)
    ]


def inputs_of(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for n in walk(card):
        if isinstance(n.get("type"), str) and n["type"].startswith("Input.") and "id" in n:
            assert n["id"] not in found, f"input id {n['id']} used twice"
            found[n["id"]] = n
    return found


def all_text(card: dict[str, Any]) -> str:
    """Everything a reader sees, joined: texts, runs, facts, button titles, choices."""
    parts: list[str] = []
    for n in walk(card):
        for key in ("text", "title", "value", "label", "placeholder"):
            if isinstance(n.get(key), str):
                parts.append(n[key])
    return "\n".join(parts)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the Adaptive Card schema check may not be skipped)",
                    pytrace=False)
    pytest.skip(reason)


def _with_filtered_choice_style(schema: dict[str, Any]) -> dict[str, Any]:
    """Allow Input.ChoiceSet ``style: "filtered"``.

    The filtered style is part of Adaptive Cards 1.5 (Teams and Web Chat render it) and
    Microsoft added it to schemas/1.5.0/adaptive-card.json after the snapshot the pinned package
    copied. This is the only change made to the schema, and it is checked to be needed.
    """
    patched = copy.deepcopy(schema)
    enum = patched["definitions"]["ChoiceInputStyle"]["anyOf"][0]["enum"]
    assert enum == ["compact", "expanded"], f"the ChoiceInputStyle enum changed: {enum}"
    enum.append("filtered")
    return patched


@pytest.fixture(scope="session")
def card_schema() -> dict[str, Any]:
    if not install_schema.installed():
        try:
            install_schema.install()
        except (install_schema.InstallError, OSError, TimeoutError) as error:
            _unavailable(f"the Adaptive Card 1.5 schema could not be installed: {error}")
    schema = json.loads(install_schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert "Table" in schema["definitions"], "not the 1.5 schema: Table (1.5) is missing"
    return _with_filtered_choice_style(schema)


@pytest.fixture(scope="session")
def validate(card_schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    validator = jsonschema.Draft6Validator(
        card_schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )

    def check(card: dict[str, Any]) -> None:
        errors = sorted(validator.iter_errors(card), key=lambda e: list(e.absolute_path))
        if errors:
            details = "\n".join(
                f"- at {'/'.join(map(str, e.absolute_path)) or '(card)'}: {e.message[:300]}"
                for e in errors[:10]
            )
            pytest.fail(f"the card is not valid Adaptive Card 1.5:\n{details}", pytrace=False)

    return check
