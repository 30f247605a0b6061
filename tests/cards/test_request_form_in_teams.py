"""The request form in Teams carries Teams' people picker for the client (its value: the Entra
object id picked); elsewhere (Web Chat, the Emulator) it does not, and the e-mail address stays
required everywhere. The Teams form is valid Adaptive Card 1.5 plus exactly Teams' documented
``choices.data`` (Data.Query) on Input.ChoiceSet, which the 1.5 schema does not know."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from cards import schedule_request_card
from dialogs.forms import parse_interview_request
from services import InvalidRequest, PartyInput
from tests.helpers.cards import inputs_of
from tests.helpers.teams_people import HARRY_AAD

RITA = PartyInput("Rita", "rita@agency.example", "UTC")
VALUES = {
    "client_name": "Harry", "client_email": "harry@client.example", "client_zone": "UTC",
    "candidate_name": "Asha", "candidate_email": "asha@example.org", "candidate_zone": "UTC",
    "role_title": "Data Engineer",
}


def with_teams_people_picker(schema: dict[str, Any]) -> dict[str, Any]:
    patched = copy.deepcopy(schema)
    choice_set = patched["definitions"]["Input.ChoiceSet"]["properties"]
    assert "choices.data" not in choice_set, "the schema knows choices.data now: drop this patch"
    choice_set["choices.data"] = {
        "type": "object",
        "properties": {"type": {"enum": ["Data.Query"]}, "dataset": {"type": "string"}},
        "required": ["type", "dataset"],
        "additionalProperties": False,
    }
    return patched


def test_the_teams_form_has_the_people_picker_and_is_valid(card_schema: dict[str, Any]) -> None:
    card = schedule_request_card(teams=True)
    picker = inputs_of(card)["client_aad_object_id"]
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert picker["choices"] == [] and picker["isMultiSelect"] is False
    assert inputs_of(card)["client_email"]["isRequired"] is True
    validator = jsonschema.Draft6Validator(with_teams_people_picker(card_schema))
    assert [e.message for e in validator.iter_errors(card)] == []


def test_the_form_elsewhere_has_no_picker() -> None:
    assert "client_aad_object_id" not in inputs_of(schedule_request_card())


def test_the_picked_client_is_named_by_their_object_id() -> None:
    request = parse_interview_request({**VALUES, "client_aad_object_id": HARRY_AAD.upper()}, RITA)
    assert request.client.aad_object_id == HARRY_AAD
    assert parse_interview_request(VALUES, RITA).client.aad_object_id is None


def test_a_picked_value_that_is_no_object_id_is_refused_by_name() -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_interview_request({**VALUES, "client_aad_object_id": "harry@client.example"}, RITA)
    assert "GUID" in refused.value.problems["client_aad_object_id"]
