"""A candidate's data: exported on request, and erased while the anonymised interview stays for
the KPIs (docs/architecture.md, "Rules that hold everywhere"), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from scheduling.interview import Stage
from services.feedback import mark_interview_ended, submit_feedback
from services.privacy import ERASED_NAME, CandidateNotFound, erase_candidate, export_candidate
from storage.jobs import enqueue
from storage.models import BotStateRow, Feedback, Interview, Invitation, Job, Party, WebChatReference
from tests.helpers.databases import Sessions
from tests.helpers.interviews import CANDIDATE_ANSWER, CLIENT_ANSWER, ENDED, STARTS, booked

NAME, EMAIL = "Asha Candidate", "asha@example.org"


async def rows_as_text(sessions: Sessions, model: type) -> str:
    async with sessions() as session:
        rows = list(await session.scalars(select(model)))
    return json.dumps(
        [{c: str(getattr(r, c)) for c in r.__table__.columns.keys()} for r in rows]
    ).lower()


async def journey(sessions: Sessions):
    p = await booked(sessions)
    await mark_interview_ended(sessions, p.interview_id, STARTS.isoformat(), ENDED)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED)
    async with sessions.begin() as session:
        invitation_id = await session.scalar(
            select(Invitation.id).where(Invitation.party_id == p.candidate.party_id)
        )
        reference = {"channelId": "directline", "conversation": {"id": "dl-conv-1"}, "serviceUrl": "http://x/"}
        session.add(
            WebChatReference(
                interview_id=p.interview_id, party_id=p.candidate.party_id, reference=reference, updated_at=ENDED
            )
        )
        for key in (
            "directline/conversations/dl-conv-1",
            f"directline/users/inv-{invitation_id}",
            "directline/conversations/someone-else",
        ):
            who = "Someone Else" if key.endswith("someone-else") else NAME
            session.add(BotStateRow(key=key, etag=1, data=json.dumps({"name": who}), updated_at=ENDED))
        await enqueue(
            session, kind="send_mail", payload={"to": [EMAIL], "subject": f"Hello {NAME}"},
            due_at=ENDED + timedelta(days=1), idempotency_key="pending-mail",
            interview_id=p.interview_id, role="candidate", now=ENDED,
        )
    return p


async def test_an_export_holds_the_candidates_own_data_and_not_the_clients_assessment(sessions: Sessions) -> None:
    p = await journey(sessions)
    exported = await export_candidate(sessions, email=EMAIL.upper(), now=ENDED)
    [person] = exported["candidates"]
    assert (person["name"], person["email"], person["id"]) == (NAME, EMAIL, p.candidate.party_id)
    [interview] = person["interviews"]
    assert interview["role_title"] == "Data Engineer" and interview["client_organisation"] == "Client Ltd"
    assert interview["your_feedback"]["impressions"] == "Friendly team."
    text = json.dumps(exported)
    assert "Strong on data modelling." not in text  # the client's assessment
    assert p.candidate_token not in text  # links are never exported (stored hashed anyway)
    with pytest.raises(CandidateNotFound):
        await export_candidate(sessions, email="nobody@example.org", now=ENDED)


async def test_erasing_a_candidate_leaves_no_name_or_address_and_keeps_the_interview(sessions: Sessions) -> None:
    p = await journey(sessions)
    report = await erase_candidate(sessions, email=EMAIL, now=ENDED + timedelta(hours=1))
    assert report.party_ids == (p.candidate.party_id,) and report.interviews_kept == 1
    assert report.invitations_revoked >= 1 and report.state_rows_deleted == 2

    for model in (Party, Invitation, Feedback, Interview, BotStateRow, Job):
        text = await rows_as_text(sessions, model)
        assert NAME.lower() not in text and EMAIL not in text and "asha" not in text, model.__name__
    async with sessions() as session:
        candidate = await session.get_one(Party, p.candidate.party_id)
        assert candidate.display_name == ERASED_NAME and candidate.erased_at is not None
        assert candidate.conversation_reference is None
        assert list(await session.scalars(select(WebChatReference))) == []
        interview = await session.get_one(Interview, p.interview_id)  # kept for the KPIs
        assert interview.stage == Stage.FEEDBACK_COMPLETE and interview.starts_at == STARTS
        ratings = sorted(f.rating for f in await session.scalars(select(Feedback)))
        assert ratings == [4, 5]
        assert all(
            i.revoked_at is not None
            for i in await session.scalars(select(Invitation).where(Invitation.party_id == candidate.id))
        )
        keys = list(await session.scalars(select(BotStateRow.key)))
        assert keys == ["directline/conversations/someone-else"]
        pending = await session.scalar(select(Job).where(Job.idempotency_key == "pending-mail"))
        assert pending is not None and pending.status == "done" and pending.payload == {"erased": True}
        client = await session.get_one(Party, p.client.party_id)
        assert client.display_name == "Harry Manager"  # only the candidate is erased
    # Erasing again is harmless; the old e-mail no longer finds anyone.
    await erase_candidate(sessions, party_id=p.candidate.party_id, now=ENDED + timedelta(hours=2))
    with pytest.raises(CandidateNotFound):
        await erase_candidate(sessions, email=EMAIL, now=ENDED)


async def test_erasing_deletes_the_outbox_mails_to_the_candidate_or_naming_them(
    sessions, tmp_path
) -> None:
    """With MAIL=outbox the "sent" mails are files the tracker shows: those to the candidate and
    those about them (the client's ask names the candidate) go; the others stay."""
    from integrations.mail import MailMessage, OutboxFolderMail, list_outbox

    await journey(sessions)
    folder = tmp_path / "outbox"
    mail = OutboxFolderMail(folder, sender="askARSAN <askarsan@agency.example>")
    for to, subject, text in (
        (EMAIL, "Interview confirmed: Data Engineer", "Hello there"),
        ("hm@client.example", "Please offer times", f"Rita would like to interview {NAME.upper()}."),
        ("hm@client.example", "Another interview", "With Bo Other, for another role."),
    ):
        await mail.send(MailMessage(to=(to,), subject=subject, text=text, html=f"<p>{text}</p>"))
    assert len(list_outbox(folder)) == 3

    report = await erase_candidate(sessions, email=EMAIL, now=ENDED, outbox=folder)

    assert report.outbox_mails_deleted == 2
    assert [e.subject for e in list_outbox(folder)] == ["Another interview"]
    again = await erase_candidate(sessions, party_id=report.party_ids[0], now=ENDED, outbox=folder)
    assert again.outbox_mails_deleted == 0 and len(list_outbox(folder)) == 1
