"""A recruiter sets a client's booking page on the tracker, through the real app over HTTP on SQLite
and PostgreSQL: the form's page is the one the JSON API reads back; a bad field is a 422 with its
reason next to it, the typed values kept and nothing stored; a page changed meanwhile is refused
(409) with the typed form kept; the list shows clients with and without a page; names are text.

The app's clock stands at Monday 23 November 2026 09:00 UTC; the booked interview is Wednesday
25 November 10:00–11:00 UTC (tests/helpers/interviews.py), which is 10:00 in London then."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from integrations.mail import MemoryMail
from services import PartyInput
from storage.models import BookingPageRow
from tests.helpers.clock import Clock
from tests.helpers.databases import count
from tests.helpers.http import AUTH, csrf_of, sessions_of
from tests.helpers.interviews import NOW, a_request, booked
from tests.helpers.tracker import SECRET, password_config, sign_in

# The form as a recruiter fills it: two windows on Wednesdays (one typed as "9:00"), a day off and a
# day of other hours, hour-long interviews on the hour with no notice.
FORM = {
    "zone": "Europe/London",
    "weekly.mon": "", "weekly.tue": "", "weekly.wed": "9:00-12:00, 13:00 – 17:00", "weekly.thu": "",
    "weekly.fri": "", "weekly.sat": "", "weekly.sun": "",
    "overrides.0.date": "2026-12-02", "overrides.0.hours": "",
    "overrides.1.date": "2026-12-09", "overrides.1.hours": "10:00-11:00",
    "overrides.2.date": "", "overrides.2.hours": "",
    "rules.durations_minutes": "60", "rules.buffer_before_minutes": "0", "rules.buffer_after_minutes": "0",
    "rules.min_notice_minutes": "0", "rules.horizon_days": "60", "rules.max_per_day": "",
    "rules.step_minutes": "60",
}
STORED = {
    "zone": "Europe/London",
    "weekly": {"mon": [], "tue": [], "wed": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
               "thu": [], "fri": [], "sat": [], "sun": []},
    "overrides": {"2026-12-02": [], "2026-12-09": [{"start": "10:00", "end": "11:00"}]},
    "rules": {"durations_minutes": [60], "buffer_before_minutes": 0, "buffer_after_minutes": 0,
              "min_notice_minutes": 0, "horizon_days": 60, "max_per_day": None, "step_minutes": 60},
}


async def started(app_client: Callable[..., Any], database_url: str) -> TestClient:
    client: TestClient = await app_client(
        DATABASE_URL=database_url, ASKARSAN_RUN_JOBS="false", ASKARSAN_SECRET_KEY=SECRET,
        mail=MemoryMail(), tracker=password_config(), clock=Clock(NOW),
    )
    return client


async def a_client(client: TestClient, **names: str) -> tuple[str, str]:
    """(interview id, client id) of an interview booked with a client named as given."""
    request = a_request(client_email=names.pop("email", "hm@client.example"),
                        candidate_email=names.pop("candidate_email", "asha@example.org"))
    if names:
        request = dataclasses.replace(request, client=PartyInput(
            names["name"], request.client.email, "Europe/London", organisation=names.get("organisation")))
    parties = await booked(sessions_of(client), request)
    return parties.interview_id, parties.client.party_id


async def form_page(client: TestClient, client_id: str) -> tuple[str, str, str]:
    """The client's page: (html, its CSRF token, the version its form was read at)."""
    response = await client.get(f"/tracker/clients/{client_id}")
    assert response.status == 200, await response.text()
    html = await response.text()
    version = re.search(r'name="version" value="(\d*)"', html)
    assert version is not None
    return html, csrf_of(html), version.group(1)


def field_row(html: str, name: str) -> str:
    """The form row holding the input `name` (its label, input and reasons)."""
    at = html.index(f'name="{name}"')
    return html[html.rindex('<div class="row', 0, at):html.index("</div>", at)]


async def test_a_page_set_through_the_form_is_the_page_the_json_api_reads(app_client, database_url) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    html, csrf, version = await form_page(client, client_id)
    assert "No booking page yet" in html and version == ""

    saved = await client.post(f"/tracker/clients/{client_id}", data={**FORM, "csrf": csrf, "version": version},
                              allow_redirects=False)
    assert saved.status == 303, await saved.text()
    assert saved.headers["Location"] == f"/tracker/clients/{client_id}?saved=1#saved"

    api = await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)
    assert api.status == 200
    read = await api.json()
    assert read["version"] == 1 and read["page"] == {**STORED, "version": 1}
    async with sessions_of(client)() as session:
        row = await session.scalar(select(BookingPageRow))
    assert row is not None and row.created_by == "Recruiter (local) on the tracker"

    shown = await (await client.get(saved.headers["Location"])).text()
    assert "Saved as version 1" in shown
    assert "Hours Wed 09:00–12:00 and 13:00–17:00 Europe/London" in shown  # describe()
    assert "Days off: Wed 2 Dec 2026" in shown and "On Wed 9 Dec 2026: 10:00–11:00" in shown
    # The next open times in London: the booked 10:00 is skipped, the 2nd is off, the 9th has one.
    assert "<b>Wed 25 Nov 2026</b> 09:00, 11:00, 13:00, 14:00, 15:00, 16:00" in shown
    assert "<b>Wed 9 Dec 2026</b> 10:00" in shown
    assert "Wed 25 Nov 2026 10:00–11:00 GMT" in shown and "Asha Candidate" in shown  # upcoming
    assert "version 1</b> set by Recruiter (local) on the tracker" in shown
    # The form now holds the stored page, to change it from there.
    assert 'name="weekly.wed" value="09:00-12:00, 13:00-17:00"' in shown
    assert 'name="version" value="1"' in shown


async def test_a_bad_window_shows_its_reason_next_to_it_keeps_the_typed_form_and_stores_nothing(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    _, csrf, version = await form_page(client, client_id)
    bad = {
        **FORM, "csrf": csrf, "version": version, "zone": "Mars/Olympus",
        "weekly.mon": "17:00-09:00", "weekly.tue": "09:00-12:00, 11:00-13:00", "weekly.fri": "9am-5pm",
        "overrides.2.date": "2026-12-09", "overrides.2.hours": "off",
        "rules.durations_minutes": "60, abc", "rules.buffer_before_minutes": "ten",
    }
    response = await client.post(f"/tracker/clients/{client_id}", data=bad)
    assert response.status == 422
    html = await response.text()
    assert "Nothing was saved." in html
    mon = field_row(html, "weekly.mon")
    assert 'value="17:00-09:00"' in mon and 'aria-invalid="true"' in mon
    assert "17:00-09:00: must end after it starts" in mon
    tue = field_row(html, "weekly.tue")
    assert "11:00-13:00: overlaps 09:00–12:00" in tue
    fri = field_row(html, "weekly.fri")
    assert 'value="9am-5pm"' in fri and "9am-5pm, the start: must be a time as" in fri
    assert "Mars/Olympus" in field_row(html, "zone")
    assert "2026-12-09 is listed twice" in field_row(html, "overrides.2.date")
    assert 'value="60, abc"' in html and "abc: must be a whole number of minutes" in html
    assert 'value="ten"' in html and "must be a whole number" in field_row(html, "rules.buffer_before_minutes")
    assert "must end after it starts" not in field_row(html, "weekly.wed")  # Wednesday was fine
    assert await count(sessions_of(client), BookingPageRow) == 0
    api = await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)
    assert api.status == 404


async def test_a_page_changed_since_the_form_was_read_is_refused_and_the_typed_form_kept(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    csrf = await sign_in(client)
    first = await client.post(f"/tracker/clients/{client_id}", data={**FORM, "csrf": csrf}, allow_redirects=False)
    assert first.status == 303
    _, csrf, version = await form_page(client, client_id)
    assert version == "1"
    # Meanwhile the ATS changes the page: Thursdays only.
    elsewhere = {**STORED, "weekly": {"thu": [{"start": "09:00", "end": "17:00"}]}}
    put = await client.put(f"/api/v1/clients/{client_id}/availability", data=json.dumps(elsewhere),
                           headers={**AUTH, "Content-Type": "application/json"})
    assert put.status == 200 and (await put.json())["version"] == 2

    typed = {**FORM, "csrf": csrf, "version": version, "weekly.fri": "08:00-10:00"}
    refused = await client.post(f"/tracker/clients/{client_id}", data=typed)
    assert refused.status == 409
    html = await refused.text()
    assert "Not saved: someone changed this booking page while you edited it" in html
    assert "version 2 now, you read version 1" in html
    assert 'name="weekly.fri" value="08:00-10:00"' in html  # what was typed is still there
    assert "Hours Thu 09:00–17:00 Europe/London" in html  # against the page as it is now
    assert await count(sessions_of(client), BookingPageRow) == 2
    latest = await (await client.get(f"/api/v1/clients/{client_id}/availability", headers=AUTH)).json()
    assert latest["version"] == 2 and latest["page"]["weekly"]["fri"] == []

    # The returned form is at the current version: saving it again is a choice, and works.
    again = await client.post(f"/tracker/clients/{client_id}", data={**typed, "version": "2"},
                              allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].endswith("?saved=3#saved")


async def test_a_form_read_before_the_first_page_does_not_replace_one_set_meanwhile(app_client, database_url) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    _, csrf, version = await form_page(client, client_id)
    assert version == ""
    put = await client.put(f"/api/v1/clients/{client_id}/availability", data=json.dumps(STORED),
                           headers={**AUTH, "Content-Type": "application/json"})
    assert put.status == 200
    refused = await client.post(f"/tracker/clients/{client_id}", data={**FORM, "csrf": csrf, "version": ""})
    assert refused.status == 409
    assert "you read it before it had one" in await refused.text()
    assert await count(sessions_of(client), BookingPageRow) == 1


async def test_signed_out_visitors_are_sent_to_sign_in_and_their_posts_refused(app_client, database_url) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    for path in ("/tracker/clients", f"/tracker/clients/{client_id}"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/tracker/login?next="), path
    refused = await client.post(f"/tracker/clients/{client_id}", data=FORM, allow_redirects=False)
    assert refused.status == 403
    await sign_in(client)
    no_token = await client.post(f"/tracker/clients/{client_id}", data=FORM, allow_redirects=False)
    assert no_token.status == 403 and "security token" in await no_token.text()
    assert await count(sessions_of(client), BookingPageRow) == 0


async def test_an_id_that_is_not_a_clients_is_a_404_page(app_client, database_url) -> None:
    client = await started(app_client, database_url)
    interview_id, _ = await a_client(client)
    csrf = await sign_in(client)
    detail = await client.get(f"/api/v1/interviews/{interview_id}", headers=AUTH)
    candidate_id = (await detail.json())["candidate_id"]
    for who in ("no-such-client", candidate_id, "x" * 300):
        shown = await client.get(f"/tracker/clients/{who}")
        assert shown.status == 404 and "no client contact with that id" in await shown.text()
        posted = await client.post(f"/tracker/clients/{who}", data={**FORM, "csrf": csrf})
        assert posted.status == 404
    assert await count(sessions_of(client), BookingPageRow) == 0


HOSTILE_NAME = "<script>alert(1)</script> **Bold** [click](https://evil.example)"
HOSTILE_ORG = "Acme & <i>Sons</i> _Ltd_"


async def test_the_list_shows_clients_with_and_without_a_page_and_names_as_text(app_client, database_url) -> None:
    client = await started(app_client, database_url)
    interview_id, with_page = await a_client(client, name=HOSTILE_NAME, organisation=HOSTILE_ORG)
    _, without = await a_client(client, name="Nora Nopage", email="nora@other.example",
                                candidate_email="ben@example.org")
    csrf = await sign_in(client)
    saved = await client.post(f"/tracker/clients/{with_page}", data={**FORM, "csrf": csrf}, allow_redirects=False)
    assert saved.status == 303

    html = await (await client.get("/tracker")).text()
    assert '<a href="/tracker/clients">Clients</a>' in html  # in the navigation
    listing = await (await client.get("/tracker/clients")).text()
    assert "2 client contacts" in listing
    rows = {cid: listing[listing.index(f"/tracker/clients/{cid}"):].split("</tr>")[0] for cid in (with_page, without)}
    assert "version 1" in rows[with_page]
    assert "Wed 09:00–12:00 and 13:00–17:00 (Europe/London)" in rows[with_page]
    assert "1 booked" in rows[with_page]
    assert "No booking page yet" in rows[without] and "Nora Nopage" in rows[without]
    assert "1 booked" in rows[without]

    detail = await (await client.get(f"/tracker/clients/{with_page}")).text()
    interview = await (await client.get(f"/tracker/interviews/{interview_id}")).text()
    assert f'href="/tracker/clients/{with_page}"' in interview  # the interview links its client
    for page in (listing, detail, interview):
        assert "<script>alert(1)</script>" not in page and "<i>Sons</i>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; **Bold** [click](https://evil.example)" in page
        assert "Acme &amp; &lt;i&gt;Sons&lt;/i&gt; _Ltd_" in page
        assert 'href="https://evil.example"' not in page and "<strong>" not in page


ODD = ["Europe/Lon\x00don", "09:00\x00-10:00", "9" * 5000, "99999999999999999999", "-1", "\u202e09:00-10:00"]


async def test_odd_text_in_any_field_is_a_422_naming_it_never_a_500_and_stores_nothing(
    app_client, database_url
) -> None:
    client = await started(app_client, database_url)
    _, client_id = await a_client(client)
    await sign_in(client)
    _, csrf, _ = await form_page(client, client_id)
    for name in ("zone", "weekly.mon", "overrides.0.date", "overrides.1.hours", "rules.durations_minutes",
                 "rules.horizon_days", "rules.max_per_day", "version"):
        for value in ODD:
            response = await client.post(f"/tracker/clients/{client_id}", data={**FORM, "csrf": csrf, name: value})
            assert response.status == 422, (name, value[:20], response.status)
            assert "Nothing was saved." in await response.text()
    # Bytes that are no UTF-8, and a lone surrogate, in the form body itself.
    raw = f"csrf={csrf}&zone=%ED%A0%80&weekly.mon=%FF%FE&rules.durations_minutes=%ED%A0%80".encode()
    response = await client.post(f"/tracker/clients/{client_id}", data=raw,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 422
    assert await count(sessions_of(client), BookingPageRow) == 0
