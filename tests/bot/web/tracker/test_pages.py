"""The tracker's pages through the real app on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import icalendar
from sqlalchemy import select

from scheduling.interview import Stage
from storage.models import Job, Party
from tests.helpers.http import sessions_of
from tests.helpers.tracker import book, fail_a_job, new_interview, sign_in, weekday_after


def now() -> datetime:
    return datetime.now(UTC)


async def test_the_pipeline_shows_every_interview_with_its_stage_date_and_next_action(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    t = now()
    await new_interview(sessions, t, candidate="Wendy Waiting")
    booked, client_id, candidate_id = await new_interview(sessions, t, candidate="Bob Booked",
                                                          organisation="Globex Corp")
    day = weekday_after(t, 3)
    await book(sessions, booked, client_id, candidate_id, t, day)
    await sign_in(client)

    html = await (await client.get("/tracker")).text()

    assert "Wendy Waiting" in html and "Bob Booked" in html
    assert "Waiting for the client&#39;s slots" in html and "Offer time slots" in html
    assert "Scheduled" in html and "Attend the interview" in html
    assert f"{day:%d %b %Y} 10:00" in html  # 10:00 London, shown in the default zone
    assert "Globex Corp · Cliff Client" in html
    assert "2 interviews" in html


async def test_filters_by_client_stage_and_date_range_are_a_bookmarkable_query(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    t = now()
    await new_interview(sessions, t, candidate="Ann Acme", organisation="Acme Ltd", client="Alice")
    iid, client_id, candidate_id = await new_interview(
        sessions, t, candidate="Gus Globex", organisation="Globex Corp", client="Gina"
    )
    day = weekday_after(t, 3)
    await book(sessions, iid, client_id, candidate_id, t, day)
    await sign_in(client)

    by_client = await (await client.get(f"/tracker?client={client_id}")).text()
    assert "Gus Globex" in by_client and "Ann Acme" not in by_client

    by_stage = await (await client.get("/tracker?stage=awaiting_slots")).text()
    assert "Ann Acme" in by_stage and "Gus Globex" not in by_stage

    in_range = await (await client.get(f"/tracker?from={day}&to={day}")).text()
    assert "Gus Globex" in in_range and "Ann Acme" not in in_range
    out_of_range = await (await client.get(f"/tracker?from={day + timedelta(days=1)}")).text()
    assert "Gus Globex" not in out_of_range


async def test_a_bad_filter_is_a_400_with_the_reason(tracker_app):
    client = await tracker_app()
    await sign_in(client)
    response = await client.get("/tracker?stage=nonsense&from=yesterday&tz=Mars/Base")
    assert response.status == 400
    html = await response.text()
    assert "is not a stage" in html and "is not a date" in html and "Mars/Base" in html


async def test_the_zone_selector_shows_interview_times_in_the_chosen_zone(tracker_app):
    client = await tracker_app()
    sessions = sessions_of(client)
    t = now()
    iid, client_id, candidate_id = await new_interview(sessions, t)
    day = weekday_after(t, 3)
    await book(sessions, iid, client_id, candidate_id, t, day)
    await sign_in(client)
    html = await (await client.get("/tracker?tz=Asia/Kolkata")).text()
    # 10:00 in London is 15:30 (GMT) or 14:30 (BST) in Kolkata.
    assert f"{day:%d %b %Y} 15:30" in html or f"{day:%d %b %Y} 14:30" in html
    detail = await (await client.get(f"/tracker/interviews/{iid}?tz=Asia/Kolkata")).text()
    assert "IST (Asia/Kolkata)" in detail


async def test_pages_split_at_fifty_rows(tracker_app):
    client = await tracker_app()
    sessions = sessions_of(client)
    t = now()
    for i in range(53):
        await new_interview(sessions, t - timedelta(minutes=i), candidate=f"Person {i:02d}")
    await sign_in(client)
    first = await (await client.get("/tracker?sort=recent")).text()
    assert "Page 1 of 2" in first and "Person 00" in first and "Person 52" not in first
    second = await (await client.get("/tracker?sort=recent&page=2")).text()
    assert "Person 52" in second and "Person 00" not in second


async def test_overdue_interviews_are_highlighted_and_can_be_listed_alone(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    await new_interview(sessions, now() - timedelta(hours=49), candidate="Olga Overdue")
    await new_interview(sessions, now(), candidate="Fiona Fresh")
    await sign_in(client)

    html = await (await client.get("/tracker")).text()
    assert 'class="overdue"' in html and "Overdue: no slots for 2 d" in html
    # Overdue first in the default order.
    assert html.index("Olga Overdue") < html.index("Fiona Fresh")

    only = await (await client.get("/tracker?overdue=1")).text()
    assert "Olga Overdue" in only and "Fiona Fresh" not in only


async def test_the_interview_page_has_the_history_jobs_and_a_retry_for_failed_ones(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    t = now()
    iid, client_id, candidate_id = await new_interview(sessions, t)
    await book(sessions, iid, client_id, candidate_id, t, weekday_after(t, 3))
    job_id = await fail_a_job(sessions, iid)
    csrf = await sign_in(client)

    html = await (await client.get(f"/tracker/interviews/{iid}")).text()
    assert "requested" in html and "slots offered" in html and "booked" in html  # the audit trail
    assert "SMTP said no" in html and "Retry" in html
    assert "Retry 1 failed message" in html

    refused = await client.post(f"/tracker/jobs/{job_id}/retry", data={}, allow_redirects=False)
    assert refused.status == 403 and "security token" in await refused.text()

    retried = await client.post(f"/tracker/jobs/{job_id}/retry", data={"csrf": csrf}, allow_redirects=False)
    assert retried.status == 303 and retried.headers["Location"].endswith(f"/tracker/interviews/{iid}?retried=1")
    async with sessions() as session:
        assert await session.scalar(select(Job.status).where(Job.id == job_id)) == "pending"
    again = await client.post(f"/tracker/jobs/{job_id}/retry", data={"csrf": csrf}, allow_redirects=False)
    assert again.headers["Location"].endswith("retried=0")  # a double click changes nothing twice


async def test_an_unknown_interview_is_a_404(tracker_app):
    client = await tracker_app()
    await sign_in(client)
    assert (await client.get("/tracker/interviews/nope")).status == 404


async def test_get_requests_change_nothing(tracker_app):
    client = await tracker_app()
    sessions = sessions_of(client)
    iid, _, _ = await new_interview(sessions, now() - timedelta(days=3))
    job_id = await fail_a_job(sessions, iid)
    await sign_in(client)
    for path in ("/tracker", f"/tracker/interviews/{iid}", "/tracker/kpis", "/tracker/feeds",
                 "/tracker/export.csv", "/tracker/outbox", f"/tracker/jobs/{job_id}/retry"):
        await client.get(path)
    async with sessions() as session:
        assert await session.scalar(select(Job.status).where(Job.id == job_id)) == "failed"


async def test_the_csv_export_is_the_filtered_pipeline_and_defuses_formulas(tracker_app):
    client = await tracker_app()
    sessions = sessions_of(client)
    t = now()
    await new_interview(sessions, t, candidate="=HYPERLINK(\"http://evil\")", role="+Sales")
    await new_interview(sessions, t, candidate="Plain Person", organisation="Other Co")
    await sign_in(client)
    response = await client.get("/tracker/export.csv?sort=recent")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 2
    evil = next(r for r in rows if "HYPERLINK" in r["candidate"])
    assert evil["candidate"].startswith("'=") and evil["role"] == "'+Sales"
    assert evil["stage"] == "Waiting for the client's slots" and evil["owed_by"] == "client"

    acme = await client.get("/tracker/export.csv?stage=scheduled")
    assert list(csv.DictReader(io.StringIO(await acme.text()))) == []


async def test_the_kpis_reflect_a_booked_interview_and_draw_the_weekly_trend(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    t = now()
    iid, client_id, candidate_id = await new_interview(sessions, t - timedelta(hours=5))
    await book(sessions, iid, client_id, candidate_id, t - timedelta(hours=2), weekday_after(t, 3))
    await new_interview(sessions, t - timedelta(days=200), candidate="Long Ago")
    await sign_in(client)
    html = await (await client.get("/tracker/kpis")).text()
    assert "1 interview requested" in html
    assert "3 h" in html  # time to schedule: requested 5 h ago, booked 2 h ago
    assert "<svg" in html and "1 booked" in html

    bad = await client.get("/tracker/kpis?from=2026-02-01&to=2026-01-01")
    assert bad.status == 400 and "ends before it starts" in await bad.text()


async def test_a_recruiter_feed_is_secret_revocable_and_parses_as_icalendar(tracker_app, database_url):
    client = await tracker_app(database_url)
    sessions = sessions_of(client)
    t = now()
    iid, client_id, candidate_id = await new_interview(sessions, t, candidate="Fred Feed")
    day = weekday_after(t, 3)
    await book(sessions, iid, client_id, candidate_id, t, day)
    await new_interview(sessions, t, candidate="Not Booked")
    csrf = await sign_in(client)
    async with sessions() as session:
        recruiter_id = await session.scalar(select(Party.id).where(Party.kind == "recruiter"))

    assert (await client.post("/tracker/feeds", data={"recruiter": recruiter_id})).status == 403
    page = await client.post("/tracker/feeds", data={"recruiter": recruiter_id, "csrf": csrf})
    html = await page.text()
    url = html.split('readonly value="', 1)[1].split('"', 1)[0]
    path = url.removeprefix("http://localhost:3978")
    assert path.startswith("/feeds/") and path.endswith(".ics")

    response = await client.get(path)  # no session needed: the secret URL is the credential
    assert response.status == 200 and response.content_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(await response.read())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert "Fred Feed" in str(events[0]["SUMMARY"])
    assert events[0].decoded("DTSTART").date() == day
    assert str(events[0]["UID"]) == f"{iid}@askarsan"

    feed_id = html.split('action="/tracker/feeds/', 1)[1].split("/revoke", 1)[0]
    revoked = await client.post(f"/tracker/feeds/{feed_id}/revoke", data={"csrf": csrf})
    assert "no longer works" in await revoked.text()
    assert (await client.get(path)).status == 404
    assert (await client.get("/feeds/not-a-token.ics")).status == 404


async def test_the_outbox_lists_local_mail_and_shows_a_message_safely(tracker_app, tmp_path):
    from email.message import EmailMessage

    client = await tracker_app()
    outbox = tmp_path / "var" / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    message = EmailMessage()
    message["Subject"] = "Pick a time for your interview"
    message["From"] = "askarsan@localhost"
    message["To"] = "cara@mail.example"
    message["Date"] = "Tue, 03 Mar 2026 10:00:00 +0000"
    message.set_content("Hello Cara,\nopen https://askarsan.example/chat?t=abc to pick a time.\n<b>not bold</b>")
    message.add_alternative("<p>Hello <script>alert(1)</script><b>Cara</b></p>", subtype="html")
    name = "20260303T100000.000000Z-0123456789abcdef.eml"
    (outbox / name).write_bytes(bytes(message))
    await sign_in(client)

    listing = await (await client.get("/tracker/outbox")).text()
    assert "Pick a time for your interview" in listing and name in listing

    html = await (await client.get(f"/tracker/outbox/{name}")).text()
    assert '<a href="https://askarsan.example/chat?t=abc" rel="noopener noreferrer"' in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html
    assert 'sandbox=""' in html and "<script>" not in html

    assert (await client.get("/tracker/outbox/..%2Fapp.db")).status == 404
    assert (await client.get("/tracker/outbox/missing.eml")).status == 404


async def test_the_stage_labels_cover_every_stage():
    from scheduling.interview import STAGE_LABELS

    assert set(STAGE_LABELS) == set(Stage)
