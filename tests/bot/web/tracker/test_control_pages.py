"""The recruiter's controls on the tracker's interview page: each form posts with its CSRF token to
the same use case as the Teams card; only the interview's owner or a co-recruiter acts; what was
refused is said on the page with a 4xx, never a 500, and nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import AuditEvent, Interview, InterviewChanges, Job
from tests.helpers.http import sessions_of
from tests.helpers.teams import OLLIE, RITA, recruiter, sign_in_as
from tests.helpers.tracker import book, new_interview, weekday_after

LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_xyz/0"


async def a_booked_interview(client):
    sessions, t = sessions_of(client), datetime.now(UTC)
    iid, client_id, candidate_id = await new_interview(sessions, t, recruiter=RITA)
    await book(sessions, iid, client_id, candidate_id, t, weekday_after(t, 3))
    rita = await recruiter(sessions, RITA, t)
    ollie = await recruiter(sessions, OLLIE, t)
    return iid, rita, ollie


async def interview_of(client, iid: str) -> Interview:
    async with sessions_of(client)() as session:
        return await session.get_one(Interview, iid)


async def link_jobs(client, iid: str) -> list[tuple[str, str | None]]:
    async with sessions_of(client)() as session:
        jobs = await session.scalars(select(Job).where(Job.interview_id == iid))
        return sorted((j.kind, j.role) for j in jobs if j.payload["data"].get("note") == "meeting_link")


async def test_the_recruiter_sets_the_meeting_link_on_the_tracker_once_and_bad_links_are_refused(
    tracker_app, database_url
):
    client = await tracker_app(database_url)
    iid, rita, _ = await a_booked_interview(client)
    csrf = await sign_in_as(client, rita, RITA)
    page = await (await client.get(f"/tracker/interviews/{iid}")).text()
    assert "No meeting link yet" in page and f'action="/tracker/interviews/{iid}/controls/meeting_link"' in page

    path = f"/tracker/interviews/{iid}/controls/meeting_link"
    assert (await client.post(path, data={"join_url": LINK})).status == 403  # no CSRF token
    for bad in ("http://teams.example/x", "javascript:alert(1)", "", "https://"):
        refused = await client.post(path, data={"join_url": bad, "csrf": csrf})
        assert refused.status == 400 and "https://" in await refused.text()
    assert (await interview_of(client, iid)).join_url is None

    done = await client.post(path, data={"join_url": LINK, "csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    after = await (await client.get(done.headers["Location"])).text()
    assert "Meeting link set" in after and "No meeting link yet" not in after
    again = await client.post(path, data={"join_url": LINK, "csrf": csrf}, allow_redirects=False)
    assert "already=1" in again.headers["Location"]
    assert (await interview_of(client, iid)).join_url == LINK
    assert await link_jobs(client, iid) == [
        ("confirm_booking", "candidate"), ("confirm_booking", "client"),
        ("send_invitation_email", "candidate"), ("send_invitation_email", "client"),
    ]


async def test_a_recruiter_not_on_the_interview_is_refused_every_control(tracker_app, database_url):
    client = await tracker_app(database_url)
    iid, _, ollie = await a_booked_interview(client)
    csrf = await sign_in_as(client, ollie, OLLIE)
    version = (await interview_of(client, iid)).version
    for control, form in (("meeting_link", {"join_url": LINK}), ("resend", {}), ("reschedule", {}),
                          ("cancel", {}), ("allow_reschedule", {"by": "candidate"})):
        refused = await client.post(f"/tracker/interviews/{iid}/controls/{control}", data={**form, "csrf": csrf})
        assert refused.status in (403, 404), control
        assert "Not done" in await refused.text()
    interview = await interview_of(client, iid)
    assert interview.version == version and interview.stage == "scheduled" and interview.join_url is None
    unknown = await client.post(f"/tracker/interviews/{iid}/controls/delete_everything", data={"csrf": csrf})
    assert unknown.status == 404


async def test_the_recruiter_resends_reschedules_and_is_told_why_a_no_show_must_wait(tracker_app, database_url):
    client = await tracker_app(database_url)
    iid, rita, _ = await a_booked_interview(client)
    csrf = await sign_in_as(client, rita, RITA)
    base = f"/tracker/interviews/{iid}/controls"

    early = await client.post(f"{base}/no_show", data={"who": "candidate", "csrf": csrf})
    assert early.status == 403 and "has not started yet" in await early.text()
    bad_who = await client.post(f"{base}/no_show", data={"who": "nobody", "csrf": csrf})
    assert bad_who.status == 400 and "who did not come" in await bad_who.text()

    sent = await client.post(f"{base}/resend", data={"csrf": csrf})
    assert sent.status == 200 and "Sent again" in await sent.text()
    async with sessions_of(client)() as session:
        resent = await session.scalar(select(AuditEvent).where(AuditEvent.interview_id == iid,
                                                               AuditEvent.action == "invitation_resent"))
    assert resent is not None

    moved = await client.post(f"{base}/reschedule", data={"reason": "Client travelling", "csrf": csrf})
    assert moved.status == 200 and "Rescheduled" in await moved.text()
    assert (await interview_of(client, iid)).stage == "awaiting_slots"
    # Not booked any more: the booked-only controls say so.
    late = await client.post(f"{base}/resend", data={"csrf": csrf})
    assert late.status == 403 and "not booked" in await late.text()


async def test_allow_one_more_reschedule_on_the_tracker_raises_the_cap_once(tracker_app, database_url):
    client = await tracker_app(database_url)
    iid, rita, _ = await a_booked_interview(client)
    csrf = await sign_in_as(client, rita, RITA)
    path = f"/tracker/interviews/{iid}/controls/allow_reschedule"
    under = await client.post(path, data={"by": "candidate", "csrf": csrf})
    assert under.status == 200 and "can still reschedule" in await under.text()
    async with sessions_of(client)() as session, session.begin():
        session.add(InterviewChanges(interview_id=iid, by_client=0, by_candidate=2, by_recruiter=0,
                                     updated_at=datetime.now(UTC)))
    allowed = await client.post(path, data={"by": "candidate", "csrf": csrf})
    assert allowed.status == 200 and "Allowed" in await allowed.text()
    again = await client.post(path, data={"by": "candidate", "csrf": csrf})
    assert "can still reschedule" in await again.text()
    bad = await client.post(path, data={"by": "recruiter", "csrf": csrf})
    assert bad.status == 400 and "the client or the candidate" in await bad.text()
    async with sessions_of(client)() as session:
        history = list(await session.scalars(select(AuditEvent).where(
            AuditEvent.interview_id == iid, AuditEvent.action == "reschedule_allowed")))
    assert [h.detail for h in history] == [{"for": "candidate", "cap": 3}]
