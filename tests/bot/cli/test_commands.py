"""The `askarsan` commands as a user runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.dev.demo import run_demo
from bot.settings import Settings
from tests.helpers.environment import ROOT


async def test_the_demo_ends_with_a_booked_interview_both_confirmations_and_two_ics(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, ASKARSAN_DATA_DIR=str(tmp_path / "var"))
    out = io.StringIO()
    code = await run_demo(settings, out)
    text = out.getvalue()
    assert code == 0, text
    assert text.count("Your interview is booked") == 4  # each side's card, before and after the move
    assert text.count("Reminder: your interview is in 24 hours") == 2  # and none after the start
    assert "in 1 hour" not in text
    assert "How did the interview with Asha Rao go?" in text and "How was your interview?" in text
    assert "A gentle reminder" in text  # the client's feedback reminder, a day later
    assert "Suggested next step: Another interview round" in text
    assert "round 1 (" in text and "): decided" in text and "round 2: awaiting_slots" in text
    assert "Interview booked" in text  # the recruiter's update
    assert sorted(p.name for p in (tmp_path / "var" / "demo").glob("*.ics")) == [
        "asha-cancellation.ics",
        "asha-invitation.ics",
        "harry-cancellation.ics",
        "harry-invitation.ics",
    ]
    assert "Interview being rescheduled" in text and "Interview moved" in text
    assert "IST (Asia/Kolkata)" in text and "GMT (Europe/London)" in text


async def test_the_panel_demo_shows_each_interviewer_and_both_recruiters_what_they_see(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, ASKARSAN_DATA_DIR=str(tmp_path / "var"))
    out = io.StringIO()
    code = await run_demo(settings, out, panel=True)
    text = out.getvalue()
    assert code == 0, text
    # Sam, the second interviewer in New York, is invited in his own zone and greeted by his name.
    assert "e-mail to sam@northwind.example: “Interview confirmed: Senior Data Engineer" in text
    assert "09:00 EST (America/New_York)" in text
    assert "Hello Sam Lee! How did the interview" in text and "Hello Harry Manager! How did" not in text
    # Tess, the co-recruiter, gets the owner's updates: in Teams, where the team's roster found her.
    assert "→ Co-recruiter Tess (Teams) sees:\n      Interview booked" in text
    # The team's channel: one thread, each stage once, the candidate by initials, no feedback text.
    thread = [line for line in text.splitlines() if line.startswith("  → The recruiting team's channel")]
    assert thread.count("  → The recruiting team's channel (Teams), a new thread sees:") == 1
    assert len([t for t in thread if "a reply in the interview's thread" in t]) == 6
    assert "In the team's channel: 7 posts in 1 thread" in text
    assert "Interviewer S. L.: 2/5 · Qualified: partly, Recommends: reject" in text
    assert "Candidate: A. R." in text and "Struggled with the modelling" not in _channel_posts(text)
    # After the offer, Rita's edited message reaches Asha, and the drafted one Harry, by both ways.
    assert "Looking forward to it. Best wishes," in text.split("→ Candidate (web chat) sees:\n      An offer")[1]
    assert "e-mail to asha@example.org: “An offer for Senior Data Engineer at Northwind Ltd”" in text
    assert "e-mail to harry@northwind.example: “Going ahead with Asha Rao for Senior Data Engineer”" in text
    # Each interviewer's answer is their own; the summary flags the disagreement.
    assert "Waiting for Harry Manager (Northwind Ltd) and Sam Lee." in text
    assert "Sam Lee gave feedback: 2/5" in text
    assert "The interviewers disagree: Harry Manager recommends an offer (5/5); Sam Lee recommends rejecting" in text
    assert "Panel: Sam Lee (America/New_York, required)" in text
    assert "co-recruiters: tess@agency.example" in text


async def test_the_hold_demo_sends_the_drafted_word_and_asks_the_recruiter_a_week_later(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, ASKARSAN_DATA_DIR=str(tmp_path / "var"))
    out = io.StringIO()
    code = await run_demo(settings, out, hold=True)
    text = out.getvalue()
    assert code == 0, text
    sent = text.split("11. The recruiter adds a line")[1].split("12. ")[0]
    assert "your application is on hold for now" in sent and "Thank you for your patience." in sent
    assert "e-mail to asha@example.org: “An update on Senior Data Engineer at Northwind Ltd”" in sent
    later = text.split("12. 7 days later, askARSAN asks the recruiter to decide.")[1]
    assert "Asha Rao has been on hold 7 days: decide now." in later and "[button: Offer]" in later


def _channel_posts(text: str) -> str:
    """The lines the demo prints for the team's channel."""
    posts, inside = [], False
    for line in text.splitlines():
        if line.startswith("  → "):
            inside = line.startswith("  → The recruiting team's channel")
        elif inside and line.startswith("      "):
            posts.append(line)
    return "\n".join(posts)


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_production_without_an_app_id_refuses_to_start_and_says_what_to_set(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"ASKARSAN_ENV": "production", "MicrosoftAppId": ""}, cwd=tmp_path)
    assert result.returncode == 2
    assert "MicrosoftAppId is empty" in result.stderr
    assert "ASKARSAN_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MicrosoftAppId": ""}, "microsoftappid is not set"),
        ({"MicrosoftAppId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}, "localhost"),
    ],
    ids=["no-app-id", "localhost-url"],
)
def test_manifest_build_refuses_with_a_clear_message(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = run_cli("manifest", "build", "--out", str(tmp_path / "p.zip"), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr.lower()
    assert not (tmp_path / "p.zip").exists()


def test_manifest_build_writes_the_package(tmp_path: Path) -> None:
    code = main_with_env(
        ["manifest", "build", "--out", str(tmp_path / "askarsan-teams.zip")],
        {
            "MicrosoftAppId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "PUBLIC_URL": "https://askarsan.example.com",
        },
    )
    assert code == 0
    with zipfile.ZipFile(tmp_path / "askarsan-teams.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]


def main_with_env(argv: list[str], env: dict[str, str]) -> int:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return main(argv)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_a_candidate_is_exported_then_erased_and_the_interview_stays(tmp_path: Path) -> None:
    import asyncio
    import json

    from services import PartyInput
    from services.requests import request_interview
    from services.scheduling import InterviewRequest
    from storage.db import create_engine, session_factory
    from storage.migrate import migrate

    url = f"sqlite+aiosqlite:///{tmp_path / 'askarsan.db'}"

    async def seed() -> None:
        from datetime import UTC, datetime

        engine = create_engine(url)
        await migrate(engine)
        await request_interview(
            session_factory(engine),
            InterviewRequest(
                recruiter=PartyInput("Rita", "rita@agency.example", "UTC"),
                client=PartyInput("Harry", "hm@client.example", "Europe/London"),
                candidate=PartyInput("Asha Rao", "asha@example.org", "Asia/Kolkata"),
                role_title="Data Engineer",
            ),
            datetime.now(UTC),
        )
        await engine.dispose()

    asyncio.run(seed())
    from integrations.mail import MailMessage, OutboxFolderMail, list_outbox

    outbox = tmp_path / "var" / "outbox"  # MAIL=outbox: the "sent" mails are files
    asyncio.run(
        OutboxFolderMail(outbox, sender="askarsan@agency.example").send(
            MailMessage(
                to=("asha@example.org",), subject="Interview confirmed", text="Hello", html="<p>Hello</p>"
            )
        )
    )
    env = {"DATABASE_URL": url, "ASKARSAN_DATA_DIR": str(tmp_path / "var")}
    exported = run_cli("export-candidate", "--email", "asha@example.org", env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "Asha Rao" in exported.stdout and json.loads(exported.stdout)
    refused = run_cli("erase-candidate", "--email", "asha@example.org", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    erased = run_cli("erase-candidate", "--email", "asha@example.org", "--yes", env=env, cwd=tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert "1 interview kept" in erased.stdout
    assert "1 outbox mail deleted" in erased.stdout and list_outbox(outbox) == []
    again = run_cli("export-candidate", "--email", "asha@example.org", env=env, cwd=tmp_path)
    assert again.returncode == 1
    import sqlite3

    with sqlite3.connect(tmp_path / "askarsan.db") as db:
        names = [row[0] for row in db.execute("select display_name from parties")]
        assert "Asha Rao" not in names
        assert db.execute("select count(*) from interviews").fetchone()[0] == 1


async def test_the_demo_through_microsoft_graph_lands_each_event_and_mail_once_at_the_stand_in(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, ASKARSAN_DATA_DIR=str(tmp_path / "var"))
    out = io.StringIO()
    code = await run_demo(settings, out, graph=True)
    text = out.getvalue()
    assert code == 0, text
    assert "events: 2 created by 2 create calls, 1 live, 1 cancelled" in text  # booked, moved
    assert "each booking's event exactly once: yes" in text
    assert "Join Teams meeting" in text  # the confirmations carry the meeting Graph created
    assert "Graph sendMail as askarsan@agency.example to asha@example.org" in text
