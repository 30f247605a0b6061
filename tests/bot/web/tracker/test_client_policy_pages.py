"""A recruiter sets a client's policy on the tracker's client page, through the real app over HTTP
on SQLite and PostgreSQL: the form's overrides are what the JSON API reads back, with who set them
and when on the page's history; a bad field is a 422 with its reason next to it, the typed values
kept and nothing stored; a policy changed meanwhile is refused (409) with the typed form kept; the
JSON API refuses the same way (422 naming the fields, 409). The interview page says which policy
an interview runs under, with its values: one requested before the change keeps the agency's.

The app's clock stands at Monday 23 November 2026 09:00 UTC (tests/helpers/interviews.py)."""

from __future__ import annotations

import json
import re

from aiohttp.test_utils import TestClient

from services.requests import request_interview
from storage.models import ClientPolicy, Interview
from tests.bot.web.tracker.test_client_pages import a_client, field_row, started
from tests.helpers.databases import count
from tests.helpers.http import AUTH, csrf_of, sessions_of
from tests.helpers.interviews import NOW, a_request
from tests.helpers.tracker import sign_in

JSON = {**AUTH, "Content-Type": "application/json"}


async def policy_form(client: TestClient, client_id: str) -> tuple[str, str, str]:
    """The client's page: (its policy section's html, the CSRF token, the version it was read at)."""
    response = await client.get(f"/tracker/clients/{client_id}")
    assert response.status == 200, await response.text()
    html = await response.text()
    section = html[html.index('<h2 id="policy">'):]
    version = re.search(r'name="version" value="(\d*)"', section)
    assert version is not None
    return section, csrf_of(html), version.group(1)


async def test_a_policy_set_on_the_clients_page_is_what_the_json_api_reads_with_who_and_when(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    section, csrf, version = await policy_form(client, client_id)
    assert version == "0" and "run under the agency's default policy" in section
    assert 'placeholder="agency: 24h, 1h"' in field_row(section, "reminders_before")

    saved = await client.post(f"/tracker/clients/{client_id}/policy", allow_redirects=False, data={
        "csrf": csrf, "version": version, "reminders_before": "3h, 30m", "max_reschedules": "0",
        "reschedule_cutoff": "", "feedback_delay": "90m",
    })
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"] == f"/tracker/clients/{client_id}?policy_saved=1#policy"

    api = await client.get(f"/api/v1/clients/{client_id}/policy", headers=AUTH)
    assert api.status == 200
    read = await api.json()
    assert read["version"] == 1
    assert read["overrides"] == {"reminders_before": "3h, 30m", "max_reschedules": 0, "feedback_delay": "1h30m"}
    assert read["policy"]["reminders_before"] == "3h, 30m" and read["policy"]["reschedule_cutoff"] == "12h"
    assert read["agency"]["reminders_before"] == "24h, 1h"

    shown = await (await client.get(saved.headers["Location"])).text()
    assert "Policy saved as version 1" in shown
    assert ("<b>version 1</b> set by Recruiter (local) on the tracker: Reminders before the interview "
            "3h, 30m; Reschedules allowed (each side) 0; Feedback asked for after the end 1h30m") in shown
    assert "Mon 23 Nov 2026 09:00 GMT" in shown  # when
    assert 'name="reminders_before" value="3h, 30m"' in shown  # the form holds the stored overrides
    section, _, version = await policy_form(client, client_id)
    assert version == "1"


async def test_bad_fields_are_refused_with_a_reason_next_to_each_and_nothing_is_stored(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    _, csrf, version = await policy_form(client, client_id)
    response = await client.post(f"/tracker/clients/{client_id}/policy", data={
        "csrf": csrf, "version": version, "reminders_before": "24h, 0h", "reschedule_cutoff": "tomorrow",
        "max_reschedules": "12", "feedback_window": "2h", "pending_reminders": "1h",
    })
    assert response.status == 422
    html = await response.text()
    assert "Nothing was saved." in html and "4 fields to fix" in html
    reminders = field_row(html, "reminders_before")
    assert 'value="24h, 0h"' in reminders and 'aria-invalid="true"' in reminders
    assert "each reminder must be a positive time" in reminders
    cutoff = field_row(html, "reschedule_cutoff")
    assert 'value="tomorrow"' in cutoff and "&#39;tomorrow&#39; is not a time: write a time like 24h" in cutoff
    assert "must be between 0 and 10, not 12" in field_row(html, "max_reschedules")
    assert "must come before the window closes (2h after it)" in field_row(html, "feedback_window")
    pending = field_row(html, "pending_reminders")
    assert 'value="1h"' in pending and "aria-invalid" not in pending  # it was fine
    assert await count(sessions_of(client), ClientPolicy) == 0


async def test_a_policy_changed_since_the_form_was_read_is_refused_and_the_typed_form_kept(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    _, csrf, version = await policy_form(client, client_id)
    # Meanwhile the ATS sets the cap.
    put = await client.put(f"/api/v1/clients/{client_id}/policy", headers=JSON,
                           data=json.dumps({"max_reschedules": 1, "version": 0}))
    assert put.status == 200 and (await put.json())["version"] == 1

    typed = {"csrf": csrf, "version": version, "reschedule_cutoff": "24h"}
    refused = await client.post(f"/tracker/clients/{client_id}/policy", data=typed)
    assert refused.status == 409
    html = await refused.text()
    assert "Not saved: someone changed this client&#39;s policy while you edited it" in html
    assert "version 1 now, you read version 0" in html
    section = html[html.index('<h2 id="policy">'):]
    assert 'name="reschedule_cutoff" value="24h"' in section and 'name="version" value="1"' in section
    assert await count(sessions_of(client), ClientPolicy) == 1

    again = await client.post(f"/tracker/clients/{client_id}/policy", data={**typed, "version": "1"},
                              allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].endswith("?policy_saved=2#policy")


async def test_the_json_api_names_each_bad_field_and_refuses_a_stale_version(app_client, database_url) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    bad = await client.put(f"/api/v1/clients/{client_id}/policy", headers=JSON, data=json.dumps(
        {"reminders_before": ["24h", "soon"], "max_reschedules": "2.5", "colour": "blue"}))
    assert bad.status == 422
    problems = (await bad.json())["problems"]
    assert set(problems) == {"reminders_before", "max_reschedules", "colour"}
    assert problems["reminders_before"].startswith("'soon' is not a time")
    put = await client.put(f"/api/v1/clients/{client_id}/policy", headers=JSON,
                           data=json.dumps({"reminders_before": ["12h"]}))
    assert put.status == 200 and (await put.json())["overrides"] == {"reminders_before": "12h"}
    stale = await client.put(f"/api/v1/clients/{client_id}/policy", headers=JSON,
                             data=json.dumps({"reminders_before": "6h", "version": 0}))
    assert stale.status == 409 and "version" in (await stale.json())["problems"]
    unknown = await client.get("/api/v1/clients/nobody/policy", headers=AUTH)
    assert unknown.status == 404
    assert (await client.get(f"/api/v1/clients/{client_id}/policy")).status == 401


async def test_the_interview_page_shows_the_policy_it_runs_under_and_an_earlier_one_keeps_the_agencys(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    earlier, client_id = await a_client(client)
    put = await client.put(f"/api/v1/clients/{client_id}/policy", headers=JSON,
                           data=json.dumps({"reminders_before": "3h", "max_reschedules": 0}))
    assert put.status == 200
    later = await request_interview(sessions_of(client), a_request(candidate_email="ben@example.org"), NOW)
    await sign_in(client)

    page = await (await client.get(f"/tracker/interviews/{later.interview_id}")).text()
    assert "Runs under the client&#39;s policy (version 1 of its overrides)" in page
    assert '<dd data-field="reminders_before">3h <span class="note">(client\'s)</span></dd>' in page
    assert '<dd data-field="max_reschedules">0 <span class="note">(client\'s)</span></dd>' in page
    assert '<dd data-field="reschedule_cutoff">12h</dd>' in page  # the agency's, not overridden

    before = await (await client.get(f"/tracker/interviews/{earlier}")).text()
    assert "Runs under the agency&#39;s default policy." in before
    assert '<dd data-field="reminders_before">24h, 1h</dd>' in before
    assert '<dd data-field="max_reschedules">2</dd>' in before
    async with sessions_of(client)() as session:
        recorded = (await session.get_one(Interview, earlier)).policy
    assert recorded is not None and recorded["source"] == "agency"
