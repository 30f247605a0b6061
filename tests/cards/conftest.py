"""Fixtures for the card tests: the official Adaptive Card 1.5 schema (the interviews they draw
are in tests/helpers/cards.py).

The schema is installed by ``install_schema.py`` (beside this file) into the git-ignored
``node_modules/.adaptivecards-schema/``. Without it the schema tests are skipped with the reason,
except under CI (``CI`` set), where they fail: CI must check the schema.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from tests.cards import install_schema
from tests.helpers.environment import require_service


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
            require_service("the Adaptive Card 1.5 schema", f"it could not be installed: {error}")
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
