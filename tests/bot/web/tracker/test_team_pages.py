"""The recruiting team on the tracker: the "mine" and "my team" filters, the interview page's
owner, co-recruiters and handover form, and a team's calendar feed. Teams and their members are
rows as installing the app in a Teams team writes them (tests/helpers/teams.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from tests.helpers.http import AUTH as API_AUTH
from tests.helpers.http import sessions_of
from tests.helpers.teams import (
    OLLIE,
    RITA,
    SAM,
    TESS,
    add_co_recruiter,
    recruiter,
    recruiters_of,
    sign_in_as,
    team,
)
from tests.helpers.tracker import book, new_interview, sign_in, weekday_after

NAMES = ("Ann Alpha", "Ben Beta", "Cat Gamma", "Dan Delta", "Fay Zeta")


def now() -> datetime:
    return datetime.now(UTC)


async def a_team_with_interviews(client):
    """Rita and Tess are a team; Sam and Ollie are not in it. Ann is Rita's, Ben is Sam's with Rita
    as co-recruiter, Cat is Tess's, Dan is Ollie's, Fay is Ollie's with Tess as co-recruiter;
    Ben, Cat and Dan are booked (each with a client of its own)."""
    sessions, t = sessions_of(client), now()
    ids = {}
    for name, owner in zip(NAMES, (RITA, SAM, TESS, OLLIE, OLLIE), strict=True):
        ids[name] = await new_interview(sessions, t, candidate=name, recruiter=owner,
                                        client=f"Client {name.split()[1]}")
    parties = {p.name: await recruiter(sessions, p, t) for p in (RITA, SAM, TESS, OLLIE)}
    await add_co_recruiter(sessions, ids["Ben Beta"][0], parties[RITA.name], t)
    await add_co_recruiter(sessions, ids["Fay Zeta"][0], parties[TESS.name], t)
    await team(sessions, "Data recruiting", [parties[RITA.name], parties[TESS.name]], t)
    for name in ("Ben Beta", "Cat Gamma", "Dan Delta"):
        iid, client_id, candidate_id = ids[name]
        await book(sessions, iid, client_id, candidate_id, t, weekday_after(t, 3))
    return {name: value[0] for name, value in ids.items()}, parties


def shown(html: str) -> set[str]:
    return {name for name in NAMES if name in html}


async def test_mine_and_my_team_filter_the_pipeline_and_its_export(tracker_app, database_url):
    client = await tracker_app(database_url)
    _, parties = await a_team_with_interviews(client)
    await sign_in_as(client, parties[RITA.name], RITA)

    assert shown(await (await client.get("/tracker")).text()) == set(NAMES)
    assert shown(await (await client.get("/tracker?who=mine")).text()) == {"Ann Alpha", "Ben Beta"}
    team_page = await (await client.get("/tracker?who=team")).text()
    assert shown(team_page) == {"Ann Alpha", "Ben Beta", "Cat Gamma", "Fay Zeta"}
    assert '<option value="team" selected>My team</option>' in team_page
    export = await (await client.get("/tracker/export.csv?who=team&stage=scheduled")).text()
    assert shown(export) == {"Ben Beta", "Cat Gamma"}

    # Ollie is in no team: his "team" is his own.
    await sign_in_as(client, parties[OLLIE.name], OLLIE)
    assert shown(await (await client.get("/tracker?who=team")).text()) == {"Dan Delta", "Fay Zeta"}

    bad = await client.get("/tracker?who=everyone-else")
    assert bad.status == 400 and "is not a choice" in await bad.text()


async def test_a_sign_in_that_names_no_recruiter_is_told_why_mine_cannot_be_shown(tracker_app, database_url):
    client = await tracker_app(database_url)
    await a_team_with_interviews(client)
    await sign_in(client)  # the local password: nobody in particular
    page = await client.get("/tracker?who=mine")
    html = await page.text()
    assert page.status == 400 and "does not know which recruiter you are" in html
    assert shown(html) == set(NAMES)


async def test_the_interview_page_shows_both_recruiters_and_hands_over_with_its_csrf_token(
    tracker_app, database_url
):
    client = await tracker_app(database_url)
    ids, parties = await a_team_with_interviews(client)
    sessions = sessions_of(client)
    csrf = await sign_in_as(client, parties[RITA.name], RITA)

    page = await (await client.get(f"/tracker/interviews/{ids['Ben Beta']}")).text()
    assert '<dd class="owner">Sam Second</dd>' in page
    assert '<dd class="co-recruiters">Rita Recruiter (rita@agency.example)</dd>' in page
    assert 'action="/tracker/interviews/' in page and '<option value="tess@agency.example">' in page

    path = f"/tracker/interviews/{ids['Ann Alpha']}/handover"
    assert (await client.post(path, data={"to": "tess@agency.example"})).status == 403  # no CSRF token
    assert (await recruiters_of(sessions, ids["Ann Alpha"]))[0] == parties[RITA.name]
    done = await client.post(path, data={"to": "tess@agency.example", "csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    after = await (await client.get(done.headers["Location"])).text()
    assert "Handed over: Tess Teammate owns this interview now." in after
    assert '<dd class="owner">Tess Teammate</dd>' in after and "Rita Recruiter (rita@agency.example)" in after
    assert await recruiters_of(sessions, ids["Ann Alpha"]) == (parties[TESS.name], [parties[RITA.name]])

    # Someone who is not on Dan's interview, and an address we do not know: refused, unchanged.
    refused = await client.post(f"/tracker/interviews/{ids['Dan Delta']}/handover",
                                data={"to": "rita@agency.example", "csrf": csrf})
    assert refused.status == 403 and "Only the interview&#39;s owner or one of its co-recruiters" in await refused.text()
    unknown = await client.post(f"/tracker/interviews/{ids['Ben Beta']}/handover",
                                data={"to": "who@agency.example", "csrf": csrf})
    assert unknown.status == 400 and "who@agency.example" in await unknown.text()
    assert (await recruiters_of(sessions, ids["Dan Delta"]))[0] == parties[OLLIE.name]
    assert (await recruiters_of(sessions, ids["Ben Beta"]))[0] == parties[SAM.name]


async def test_a_team_feed_carries_the_teams_booked_interviews(tracker_app, database_url):
    client = await tracker_app(database_url)
    ids, parties = await a_team_with_interviews(client)
    csrf = await sign_in_as(client, parties[RITA.name], RITA)

    async def feed(scope: str) -> set[str]:
        page = await client.post("/tracker/feeds", data={"recruiter": parties[RITA.name], "scope": scope,
                                                         "csrf": csrf})
        html = await page.text()
        path = html.split('readonly value="', 1)[1].split('"', 1)[0].removeprefix("http://localhost:3978")
        calendar = icalendar.Calendar.from_ical(await (await client.get(path)).read())
        return {str(e["UID"]) for e in calendar.walk("VEVENT")}

    assert await feed("mine") == {f"{ids['Ben Beta']}@askarsan"}  # co-recruited counts as hers
    assert await feed("team") == {f"{ids['Ben Beta']}@askarsan", f"{ids['Cat Gamma']}@askarsan"}
    listing = await (await client.get("/tracker/feeds")).text()
    assert "their team&#39;s" in listing
    bad = await client.post("/tracker/feeds", data={"recruiter": parties[RITA.name], "scope": "all",
                                                    "csrf": csrf})
    assert bad.status == 400


async def test_the_interview_page_shows_the_panel_each_required_or_optional_and_who_attends(
    tracker_app, database_url
):
    client = await tracker_app(database_url)
    request = {
        "recruiter": {"name": "Rita Recruiter", "email": "rita@agency.example", "zone": "Europe/London"},
        "client": {"name": "Harry Lead", "email": "hm@client.example", "zone": "Europe/London"},
        "candidate": {"name": "Asha Rao", "email": "asha@example.org", "zone": "Asia/Kolkata"},
        "role_title": "Data Engineer",
        "panel": [
            {"name": "Sam Lee", "email": "sam@client.example", "zone": "America/New_York"},
            {"name": "Priya Iyer", "email": "priya@client.example", "zone": "Asia/Kolkata", "required": False},
        ],
    }
    created = await client.post("/api/v1/interviews", json=request, headers=API_AUTH)
    assert created.status == 201, await created.text()
    answer = await created.json()
    await sign_in(client)

    page = await (await client.get(f"/tracker/interviews/{answer['id']}")).text()
    panel = page.split('<dd class="panel">', 1)[1].split("</dd>", 1)[0]
    assert "Sam Lee" in panel and "(America/New_York)" in panel and "Priya Iyer" in panel
    assert panel.index("Sam Lee") < panel.index("Priya Iyer")
    assert "Sam Lee <span class=\"note\">(America/New_York)</span> · required</li>" in panel
    assert "· optional</li>" in panel and "attending" not in panel  # nothing booked yet
    assert "Harry Lead" not in panel  # the lead is shown as the client

    sessions = sessions_of(client)
    await book(sessions, answer["id"], answer["client_id"], answer["candidate_id"], now(), weekday_after(now(), 3))
    booked = await (await client.get(f"/tracker/interviews/{answer['id']}")).text()
    panel = booked.split('<dd class="panel">', 1)[1].split("</dd>", 1)[0]
    assert panel.count("· attending</li>") == 2, panel
