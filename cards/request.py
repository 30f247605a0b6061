"""The recruiter's "schedule an interview" form."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cards._base import (
    Card,
    Element,
    card,
    container,
    field_problems,
    heading,
    input_choice,
    input_date,
    input_text,
    submit,
    subtle,
    text,
    zone_picker,
)
from scheduling.interview import FORMAT_LABELS, Format

REQUEST_FIELDS: Mapping[str, str] = {
    "client_aad_object_id": "Client in Teams",
    "client_name": "Client name",
    "client_email": "Client e-mail",
    "client_organisation": "Client organisation",
    "client_zone": "Client time zone",
    "candidate_name": "Candidate name",
    "candidate_email": "Candidate e-mail",
    "candidate_zone": "Candidate time zone",
    "role_title": "Role",
    "duration_minutes": "Duration",
    "format": "Format",
    "times_from": "Times",
    "location": "Location",
    "deadline": "Deadline",
    "panel": "Other interviewers",
    "co_recruiters": "Co-recruiters' e-mail addresses",
}

DURATIONS = ("30", "45", "60", "90")
# Where the times come from; "auto": the client's booking page when they have one.
TIMES_FROM_CHOICES = (
    ("auto", "The client's booking page if they have one (the candidate books at once), "
             "else the client offers slots"),
    ("offered_by_client", "The client offers slots by hand"),
)


# Teams' people picker: an Input.ChoiceSet whose choices come from the organisation's directory
# (members and guests); its value is the Entra object id of the person picked. Teams documents
# `choices.data` (Data.Query) for its own clients only, so the form carries it in Teams alone;
# elsewhere the e-mail address is how the client is reached.
PEOPLE_DATASET = "graph.microsoft.com/users"


def client_picker(value: str | None = None) -> Card:
    element: Card = {
        "type": "Input.ChoiceSet",
        "id": "client_aad_object_id",
        "label": f"{REQUEST_FIELDS['client_aad_object_id']} (optional)",
        "placeholder": "Pick them if they are in your organisation or a guest",
        "choices": [],
        "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
        "isMultiSelect": False,
    }
    if value:
        element["value"] = value
    return element


def schedule_request_card(
    defaults: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    *,
    teams: bool = False,
) -> Card:
    """The form a recruiter fills in to ask for an interview; submits ``request_interview``.

    ``defaults`` pre-fills inputs by id (e.g. to show the form again after a problem), ``errors``
    maps input ids to what is wrong, shown in red at the top. With ``teams`` (the form is shown in
    Teams) the client can also be picked from the directory, so that they are asked in Teams.
    """
    values = dict(defaults or {})

    def value(key: str) -> str | None:
        return values.get(key) or None

    label = REQUEST_FIELDS
    body = [
        heading("Schedule an interview"),
        text("askARSAN asks the client for times, lets the candidate pick one and books it."),
        *field_problems(_by_form_field(errors), label),
        container(
            [
                text("Client", weight="Bolder"),
                *([client_picker(value("client_aad_object_id"))] if teams else []),
                input_text("client_name", label["client_name"], value=value("client_name"),
                           required=True, placeholder="e.g. Priya Shah"),
                input_text("client_email", label["client_email"], value=value("client_email"),
                           required=True, style="email", placeholder="name@company.com",
                           error="Please give the client's e-mail address."),
                input_text("client_organisation", label["client_organisation"],
                           value=value("client_organisation"), required=True,
                           placeholder="e.g. Contoso Ltd"),
                zone_picker("client_zone", label["client_zone"], value=value("client_zone")),
            ],
            separator=True,
        ),
        container(
            [
                text("Candidate", weight="Bolder"),
                input_text("candidate_name", label["candidate_name"], value=value("candidate_name"),
                           required=True, placeholder="e.g. Tom Okafor"),
                input_text("candidate_email", label["candidate_email"],
                           value=value("candidate_email"), required=True, style="email",
                           placeholder="name@example.com",
                           error="Please give the candidate's e-mail address."),
                zone_picker("candidate_zone", label["candidate_zone"], value=value("candidate_zone")),
            ],
            separator=True,
        ),
        container(
            [
                text("Interview", weight="Bolder"),
                input_text("role_title", label["role_title"], value=value("role_title"),
                           required=True, placeholder="e.g. Senior Data Engineer",
                           error="Please give the role the interview is for."),
                input_choice("duration_minutes", label["duration_minutes"],
                             [(m, f"{m} minutes") for m in DURATIONS],
                             value=value("duration_minutes") or "60", required=True,
                             error="Please choose how long the interview lasts."),
                input_choice("format", label["format"],
                             [(f.value, FORMAT_LABELS[f]) for f in Format],
                             value=value("format") or Format.TEAMS.value, required=True,
                             style="expanded", error="Please choose how the interview happens."),
                input_choice("times_from", label["times_from"], TIMES_FROM_CHOICES,
                             value=value("times_from") or "auto", style="expanded", wrap=True),
                input_text("location", f"{label['location']} (optional)", value=value("location"),
                           placeholder="Address for on site, number for a phone call"),
                input_date("deadline", f"{label['deadline']} (optional)", value=value("deadline")),
                subtle("The deadline is the date by which the interview should have happened."),
            ],
            separator=True,
        ),
        _panel_input(value("panel")),
        _co_recruiters_input(value("co_recruiters")),
    ]
    return card(
        body,
        [submit("Request the interview", {"action": "request_interview"}, style="positive")],
        fallback="Schedule an interview: please open this in Teams or the askARSAN chat page.",
    )


def _by_form_field(errors: Mapping[str, str] | None) -> dict[str, str]:
    """The request's problems under the form's own fields: one about the panel's third
    interviewer (``panel[2].email``) belongs to the panel box, line 3."""
    found: dict[str, str] = {}
    for key, message in (errors or {}).items():
        match = re.match(r"panel\[(\d+)\]", key)
        if match:
            line = f"line {int(match[1]) + 1}: {message}"
            found["panel"] = f"{found['panel']}; {line}" if "panel" in found else line
        else:
            found[key] = message
    return found


def _panel_input(value: str | None) -> Element:
    """The client's colleagues who interview with them: one per line, as a recruiter writes it."""
    return container(
        [
            text("Panel", weight="Bolder"),
            input_text("panel", f"{REQUEST_FIELDS['panel']} (optional)", value=value, multiline=True,
                       placeholder="Sam Lee, sam@contoso.com, America/New_York\n"
                                   "Priya Rao, priya@contoso.com, Asia/Kolkata, optional",
                       max_length=2000),
            subtle("One interviewer per line: name, e-mail, time zone, and \"optional\" when the "
                   "time need not suit them (they attend when free). The times offered suit the "
                   "client and every other interviewer."),
        ],
        separator=True,
    )


def _co_recruiters_input(value: str | None) -> Element:
    """Recruiters beside the one asking, who see the interview and get its updates."""
    return container(
        [
            input_text("co_recruiters", f"{REQUEST_FIELDS['co_recruiters']} (optional)", value=value,
                       placeholder="e.g. sam@agency.example, lee@agency.example", max_length=2000),
            subtle("Co-recruiters see this interview and get its updates, as you do; separate "
                   "the addresses with commas."),
        ],
        separator=True,
    )
