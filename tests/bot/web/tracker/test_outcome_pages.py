"""After the decision on the tracker's interview page: the decision's drafts with a send form each,
refused with the reason when empty, sent once as edited, by the interview's recruiter only; the
hold follow-up due and the retention start shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from scheduling.interview import Role
from services.feedback import decide, mark_interview_ended, submit_feedback
from services.scheduling import Actor
from storage.models import Interview, Job, OutcomeMessage
from tests.helpers.http import sessions_of
from tests.helpers.interviews import CANDIDATE_ANSWER, CLIENT_ANSWER
from tests.helpers.teams import RITA, SAM, recruiter, sign_in_as
from tests.helpers.tracker import book, new_interview, weekday_after


async def decided(client, decision: str) -> tuple[str, str, datetime]:
    """An interview of Rita's, held, both answered and decided; (its id, Rita's party, when)."""
    sessions, t = sessions_of(client), datetime.now(UTC)
    rita = await recruiter(sessions, RITA, t)
    iid, client_id, candidate_id = await new_interview(sessions, t, recruiter=RITA)
    await book(sessions, iid, client_id, candidate_id, t, weekday_after(t, 3))
    async with sessions() as session:
        row = await session.get_one(Interview, iid)
        assert row.starts_at is not None and row.ends_at is not None
        starts, ends = row.starts_at, row.ends_at
    assert await mark_interview_ended(sessions, iid, starts.isoformat(), ends + timedelta(minutes=15))
    for actor, answer in ((Actor(Role.CLIENT, client_id), CLIENT_ANSWER),
                          (Actor(Role.CANDIDATE, candidate_id), CANDIDATE_ANSWER)):
        await submit_feedback(sessions, actor, iid, answer, ends + timedelta(minutes=20))
    at = ends + timedelta(hours=1)
    await decide(sessions, Actor(Role.RECRUITER, rita), iid, decision, at)
    return iid, rita, at


async def test_the_recruiter_sends_an_edited_rejection_from_the_tracker_once_with_reasons_for_an_empty_one(
    tracker_app, database_url
):
    client = await tracker_app(database_url)
    iid, rita, _ = await decided(client, "reject")
    sessions = sessions_of(client)
    async with sessions() as session:
        rows = {r.role: r for r in await session.scalars(select(OutcomeMessage))}
    to_candidate = rows["candidate"]
    path = f"/tracker/interviews/{iid}/outcomes/{to_candidate.id}/send"

    # Sam is not on this interview: refused, nothing sent.
    sam_csrf = await sign_in_as(client, await recruiter(sessions, SAM, datetime.now(UTC)), SAM)
    refused = await client.post(path, data={"text": "Sorry.", "csrf": sam_csrf})
    assert refused.status == 403

    csrf = await sign_in_as(client, rita, RITA)
    page = await (await client.get(f"/tracker/interviews/{iid}")).text()
    assert "After the decision" in page and page.count("<textarea") == 2
    assert "Hello Cara Candidate," in page and "Data retention" in page and "started" in page
    assert (await client.post(path, data={"text": "Sorry."})).status == 403  # no CSRF token

    empty = await client.post(path, data={"text": "   ", "csrf": csrf})
    text = await empty.text()
    assert empty.status == 400 and "Not sent: The message to Cara Candidate is empty" in text
    async with sessions() as session:
        assert await session.scalar(select(Job).where(Job.kind == "send_outcome_message")) is None

    edited = "Dear Cara,\n\nThank you. Not this time, but let's talk soon.\n\nRita"
    done = await client.post(path, data={"text": edited, "csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    after = await (await client.get(done.headers["Location"])).text()
    assert "Sent: it leaves by e-mail" in after and "by Rita Recruiter · edited" in after
    assert after.count("<textarea") == 1  # the client's message is still a draft
    again = await client.post(path, data={"text": "Something else", "csrf": csrf}, allow_redirects=False)
    assert again.status == 303
    async with sessions() as session:
        [job] = list(await session.scalars(select(Job).where(Job.kind == "send_outcome_message")))
        assert job.payload["data"]["message_id"] == to_candidate.id
        assert (await session.get_one(OutcomeMessage, to_candidate.id)).body == edited.replace("\r\n", "\n")
    history = await (await client.get(f"/tracker/interviews/{iid}")).text()
    assert "outcome sent" in history and "outcome drafted" in history


async def test_a_hold_shows_its_follow_up_due_on_the_tracker(tracker_app, database_url):
    client = await tracker_app(database_url)
    iid, rita, at = await decided(client, "on_hold")
    await sign_in_as(client, rita, RITA)
    page = await (await client.get(f"/tracker/interviews/{iid}")).text()
    assert '<dd class="follow-up">due ' in page and '<dd class="retention">not started</dd>' in page
    due = at + timedelta(days=7)
    assert due.strftime("%-d %b") in page.split('class="follow-up"')[1].split("</dd>")[0]
