"""`askarsan demo`: the whole journey on the embedded defaults, through the real bot.

A simulated recruiter (Emulator channel), client and candidate (web chat users bound to their
invitations) send real activities over HTTP to `/api/messages` of a real askARSAN server on
loopback; replies and proactive cards arrive at a loopback Bot Connector; e-mails are written to
the outbox folder by the real job runner. Everything each party sees is printed.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TextIO

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import RUNTIME, create_app
from bot.dev.loopback import FakeConnector, Received
from bot.settings import Settings
from cards._base import md_plain
from cards.messages import counted
from scheduling.interview import Stage
from scheduling.zones import format_local_range
from services.invitations import hash_token
from storage.models import Interview, Invitation, Job

CARD = "application/vnd.microsoft.card.adaptive"
NAMES = {"demo-recruiter": "Rita Recruiter", "demo-client": "Harry Manager", "demo-candidate": "Asha Rao",
         "demo-panel": "Sam Lee"}
WHO = {
    "demo-recruiter": "Recruiter (Teams)",
    "demo-client": "Client (web chat)",
    "demo-candidate": "Candidate (web chat)",
    "demo-panel": "Second interviewer Sam (web chat)",
}
# The recruiting team's Teams team: its id is also its General channel's, where threads go.
TEAM_CHANNEL = "19:demo-recruiting@thread.tacv2"
WHO[TEAM_CHANNEL] = "The recruiting team's channel (Teams)"
TEAMS_USERS = {"tess": "Co-recruiter Tess (Teams)"}  # the Teams ids of the team's roster


def describe_card(card: dict[str, Any]) -> Iterator[str]:
    """A card as the lines a person would read on it."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, list):
            for item in node:
                yield from walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "TextBlock" and node.get("text"):
            yield str(node["text"])
        elif kind == "RichTextBlock":  # one line of runs, e.g. a bold label and its value
            yield "".join(str(run.get("text") or "") for run in node.get("inlines", []))
            return
        elif kind == "Input.ChoiceSet" and node.get("style") == "expanded":
            yield str(node.get("label") or node.get("id"))
            for choice in node.get("choices", []):
                yield f"  ( ) {choice.get('title')}"
            return
        elif kind and str(kind).startswith("Input."):
            yield f"[{node.get('label') or node.get('placeholder') or node.get('id')}: ____ ]"
            return
        elif kind and str(kind).startswith("Action."):
            yield f"[button: {node.get('title')}]"
            if kind == "Action.ShowCard":
                return
        for key in ("body", "items", "columns", "inlines", "actions", "card"):
            if key in node:
                yield from walk(node[key])

    yield from walk(card)


_CHAT_LINK = re.compile(r"https?://\S+/chat\?t=[\w-]+")
_LINK = re.compile(r"https?://\S+")


def without_links(line: str) -> str:
    """A line as the story prints it: the demo's server stops when the story ends, so a link to
    it would lead nowhere; a chat link is named for what it is, any other link left out. (The
    markdown of bold words is left out as well.)"""
    return _LINK.sub("(a link)", _CHAT_LINK.sub("(their personal chat link)", line))


class DemoClock:
    """The demo's own clock: real time until the demo moves it on (past the interview, a day
    later), so that timed jobs fall due without waiting."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


@dataclass
class Demo:
    out: TextIO
    workdir: Path
    clock: DemoClock = field(default_factory=DemoClock)
    graph: Any = None  # the loopback Graph stand-in, with `askarsan demo --graph`
    graph_seen: int = 0
    connector: FakeConnector = field(default_factory=FakeConnector)
    client: TestClient[Any, Any] | None = None
    seen_mail: set[str] = field(default_factory=set)
    chat_links: dict[str, list[str]] = field(default_factory=dict)  # address -> links in their mail
    activity_count: int = 0
    conversations: dict[str, str] = field(default_factory=dict)  # personal chats opened in Teams

    def say(self, line: str = "") -> None:
        print(line, file=self.out)

    def received(self, message: Received) -> None:
        # A channel thread's replies go to "<channel>;messageid=<its first post>".
        channel = message.conversation_id.split(";messageid=")[0]
        members = [m.get("id") for m in message.body.get("members") or []]
        if message.path == "/v3/conversations" and members and members[0] in TEAMS_USERS:
            # askARSAN opens a personal chat with someone it found in Teams.
            self.conversations[message.conversation_id] = TEAMS_USERS[members[0]]
        who = self.conversations.get(channel) or WHO.get(channel, message.conversation_id)
        # A new conversation (a channel thread's first post) carries its activity inside.
        body = message.body.get("activity") or message.body
        if channel == TEAM_CHANNEL and message.path == "/v3/conversations":
            who += ", a new thread"
        elif channel == TEAM_CHANNEL and body.get("replyToId"):
            who += ", a reply in the interview's thread"
        lines = [body["text"]] if body.get("text") else []
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                lines.extend(describe_card(attachment["content"]))
        if not lines:
            return  # a conversation opened, its first message comes next
        self.say(f"  → {who} sees:")
        for line in lines:
            for part in str(line).splitlines():
                if part.strip():
                    self.say(f"      {md_plain(without_links(part))}")

    async def post(self, conversation: str, user: str, channel: str, /, **fields: Any) -> None:
        assert self.client is not None
        self.activity_count += 1
        body: dict[str, Any] = {
            "type": "message",
            "id": f"demo-{self.activity_count}",
            "channelId": channel,
            "serviceUrl": self.connector.url,
            "from": {"id": user, "name": NAMES[conversation]},
            "conversation": {"id": conversation},
            "recipient": {"id": "askarsan", "name": "askARSAN"},
            "localTimezone": "Europe/London",
            "timestamp": self.clock().isoformat(),
        }
        body.update(fields)
        response = await self.client.post(
            "/api/messages", data=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        if response.status >= 300:
            raise RuntimeError(f"the bot answered {response.status}: {await response.text()}")

    async def run_jobs(self) -> None:
        assert self.client is not None
        runner = self.client.app[RUNTIME].runner
        for _ in range(20):
            if await runner.run_once() == 0:
                # A job that must wait a moment (a channel post waiting for the one before it
                # in its thread) is due in seconds: the demo's clock goes there rather than wait.
                soon = await self._due_within(timedelta(seconds=5))
                if soon is None:
                    break
                self.clock.move_to(max(soon, self.clock()))
        if self.graph is not None:
            for sent in self.graph.sent[self.graph_seen:]:
                message = sent["message"]
                to = ", ".join(r["emailAddress"]["address"] for r in message.get("toRecipients", []))
                files = [a.get("name") for a in message.get("attachments", [])]
                extra = f" (attached: {', '.join(files)})" if files else ""
                self.say(f"  ✉ Graph sendMail as {sent['sender']} to {to}: “{message.get('subject')}”{extra}")
            self.graph_seen = len(self.graph.sent)
        outbox = self.client.app[RUNTIME].settings.outbox_dir
        for path in sorted(outbox.glob("*.eml")):
            if path.name in self.seen_mail:
                continue
            self.seen_mail.add(path.name)
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            ics = [p for p in message.iter_attachments() if p.get_filename()]
            extra = f" (attached: {', '.join(str(p.get_filename()) for p in ics)})" if ics else ""
            subject = str(message['Subject']).strip()
            self.say(f"  ✉ e-mail to {message['To']}: “{subject}”{extra}")
            body = message.get_body(preferencelist=("plain",))
            if body is not None:
                found = _CHAT_LINK.findall(str(body.get_content()))
                self.chat_links.setdefault(str(message["To"]), []).extend(found)
            for part in ics:
                name = str(part.get_filename())
                target = self.workdir / f"{message['To'].split('@')[0]}-{name}"
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    target.write_bytes(payload)

    async def _due_within(self, window: timedelta) -> datetime | None:
        assert self.client is not None
        now = self.clock()
        async with self.client.app[RUNTIME].sessions() as session:
            due = await session.scalar(
                select(func.min(Job.due_at)).where(Job.status == "pending", Job.due_at <= now + window)
            )
        return None if due is None else due.replace(tzinfo=UTC) if due.tzinfo is None else due

    async def join(self, conversation: str, token: str) -> str:
        """The person with invitation `token` opens their chat (Web Chat's conversationUpdate);
        returns their web chat user id."""
        user = await self.user_for(token)
        await self.post(conversation, user, "directline", type="conversationUpdate",
                        membersAdded=[{"id": user}])
        return user

    async def user_for(self, token: str) -> str:
        assert self.client is not None
        async with self.client.app[RUNTIME].sessions() as session:
            row = await session.scalar(
                select(Invitation).where(Invitation.token_hash == hash_token(token))
            )
        if row is None:
            raise RuntimeError("the invitation link in the recruiter's reply is not known")
        return f"inv-{row.id}"


def _slot_day(today: date) -> date:
    """A weekday at least two days ahead, so every rule (24 h notice) is met."""
    day = today + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def run_demo(
    settings: Settings, out: TextIO, *, graph: bool = False, panel: bool = False, hold: bool = False,
    log_file: Path | None = None,
) -> int:
    with tempfile.TemporaryDirectory(prefix="askarsan-demo-") as tmp:
        workdir = Path(settings.data_dir) / "demo"
        workdir.mkdir(parents=True, exist_ok=True)
        update: dict[str, Any] = {
            "database_url": f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}",
            "data_dir": Path(tmp) / "var",
            "run_jobs": False,
            "env": "local",
        }
        demo = Demo(out, workdir)
        if graph:
            from bot.dev.loopback_graph import FakeGraph
            from integrations.factory import LOOPBACK_TOKEN

            demo.graph = await FakeGraph(token=LOOPBACK_TOKEN).start()
            for mailbox in (SENDING_MAILBOX, "harry@northwind.example"):
                demo.graph.add_mailbox(mailbox)
            update.update(
                calendar_backend="graph", mail_backend="graph", graph_credential="loopback",
                graph_base_url=demo.graph.url, graph_tenant_id=DEMO_TENANT, graph_client_id=DEMO_TENANT,
                graph_sending_mailbox=SENDING_MAILBOX, mail_from=SENDING_MAILBOX,
            )
        demo.connector.on_receive = demo.received
        await demo.connector.start()
        if panel:  # the agency's Teams tenant, whose team the app is installed in
            update.update(app_tenant_id=AGENCY_TENANT, teams_service_url=demo.connector.url)
        demo_settings = settings.model_copy(update=update)
        demo.client = TestClient(
            TestServer(create_app(demo_settings, clock=demo.clock), host="127.0.0.1")
        )
        await demo.client.start_server()
        try:
            code = await (_panel_journey(demo) if panel else _journey(demo, hold=hold))
            if demo.graph is not None:
                code = code or _graph_summary(demo)
            demo.say()
            if log_file is not None:
                demo.say(f"The server's log of this run is in {log_file}.")
            demo.say("To play the client and the candidate yourself: `make run`, open the landing page "
                     "it prints and press “Try a demo interview”.")
            return code
        finally:
            await demo.client.close()
            await demo.connector.close()
            if demo.graph is not None:
                await demo.graph.close()


async def _journey(demo: Demo, *, hold: bool = False) -> int:
    say = demo.say
    say("askARSAN demo: a recruiter, a client and a candidate, through the real bot.\n")

    say("1. The recruiter asks for an interview in Teams.")
    say("  Recruiter types: schedule")
    await demo.post("demo-recruiter", "rita", "emulator", text="schedule")
    say("  Recruiter fills in the form and presses its button.")
    await demo.post(
        "demo-recruiter", "rita", "emulator",
        value={
            "action": "request_interview",
            "client_name": "Harry Manager", "client_email": "harry@northwind.example",
            "client_organisation": "Northwind Ltd", "client_zone": "Europe/London",
            "candidate_name": "Asha Rao", "candidate_email": "asha@example.org",
            "candidate_zone": "Asia/Kolkata", "role_title": "Senior Data Engineer",
            "duration_minutes": "60", "format": "teams",
        },
    )
    reply = demo.connector.texts("demo-recruiter")[-1]
    links = [part.split()[0] for part in reply.split("/chat?t=")[1:]]
    if len(links) != 2:
        say("The request was not accepted; stopping.")
        return 1
    await demo.run_jobs()

    say("\n2. The client opens the link from the e-mail and offers two slots.")
    client_user = await demo.join("demo-client", links[0])
    day = _slot_day(datetime.now(UTC).date())
    say(f"  Client enters {day.isoformat()} 10:00 and 14:00 (Europe/London) and sends them.")
    interview_id = await _interview_id(demo)
    await demo.post(
        "demo-client", client_user, "directline",
        value={
            "action": "offer_slots", "interview_id": interview_id, "zone": "Europe/London",
            "slot_1_date": day.isoformat(), "slot_1_time": "10:00",
            "slot_2_date": day.isoformat(), "slot_2_time": "14:00",
        },
    )
    await demo.run_jobs()

    say("\n3. The candidate opens their link and sees the slots in India time.")
    candidate_user = await demo.join("demo-candidate", links[1])
    assert demo.client is not None
    view = await demo.client.app[RUNTIME].services.scheduling.view(interview_id)
    if view is None or not view.slots:
        say("No slots were offered; stopping.")
        return 1
    first = view.slots[0]
    say(f"  Candidate chooses {format_local_range(first.interval, view.candidate.zone)} and books it.")
    await demo.post(
        "demo-candidate", candidate_user, "directline",
        value={"action": "pick_slot", "interview_id": interview_id, "slot_id": first.id},
    )
    await demo.run_jobs()

    say("\n4. The candidate can no longer make it and reschedules, saying what suits them.")
    await demo.post(
        "demo-candidate", candidate_user, "directline",
        value={
            "action": "reschedule", "interview_id": interview_id, "confirm": "yes",
            "reason": "I'm travelling that day; the next morning works for me.",
        },
    )
    await demo.run_jobs()
    new_day = _slot_day(day + timedelta(days=-1))  # the next working day after `day`
    say(f"  Client offers {new_day.isoformat()} 09:30 (Europe/London).")
    await demo.post(
        "demo-client", client_user, "directline",
        value={
            "action": "offer_slots", "interview_id": interview_id, "zone": "Europe/London",
            "slot_1_date": new_day.isoformat(), "slot_1_time": "09:30",
        },
    )
    await demo.run_jobs()
    view = await demo.client.app[RUNTIME].services.scheduling.view(interview_id)
    if view is None or not view.slots:
        say("No new slot was offered; stopping.")
        return 1
    new_time = format_local_range(view.slots[0].interval, view.candidate.zone)
    say(f"  Candidate chooses {new_time} and books it.")
    await demo.post(
        "demo-candidate", candidate_user, "directline",
        value={"action": "pick_slot", "interview_id": interview_id, "slot_id": view.slots[0].id},
    )
    await demo.run_jobs()

    view = await demo.client.app[RUNTIME].services.scheduling.view(interview_id)
    if view is None or view.stage is not Stage.SCHEDULED or view.booked is None:
        say(f"  stage: {view.stage.value if view else 'missing'} (expected scheduled)")
        return 1
    booked = view.booked
    files = sorted(p.name for p in demo.workdir.glob("*.ics"))
    say(f"\n  Booked. Calendar invitations saved in {demo.workdir}: {', '.join(files)}")

    say("\n5. A day before the interview, both get a reminder.")
    demo.clock.move_to(booked.start - timedelta(hours=23, minutes=59))
    await demo.run_jobs()

    say("\n6. The interview takes place. 15 minutes after it ends, askARSAN asks both for feedback.")
    demo.clock.move_to(booked.end + timedelta(minutes=16))
    await demo.run_jobs()

    say("\n7. The candidate answers at once.")
    await demo.post(
        "demo-candidate", candidate_user, "directline",
        value={
            "action": "candidate_feedback", "interview_id": interview_id, "rating": "4",
            "impressions": "Friendly team, interesting data platform.", "interest": "yes",
            "concerns": "",
        },
    )
    await demo.run_jobs()

    say("\n8. A day later the client has not answered: a reminder goes out.")
    demo.clock.move_to(booked.end + timedelta(hours=24, minutes=30))
    await demo.run_jobs()

    say("\n9. The client answers; the recruiter gets the summary with a suggested next step.")
    await demo.post(
        "demo-client", client_user, "directline",
        value={
            "action": "client_feedback", "interview_id": interview_id, "rating": "4",
            "impressions": "Strong on pipelines, less on modelling.", "qualification": "partly",
            "concerns": "Would like a second, technical round.", "recommendation": "another_round",
        },
    )
    await demo.run_jobs()

    if hold:
        return await _hold(demo, interview_id)
    say("\n10. The recruiter decides: another round, with the same people.")
    await demo.post(
        "demo-recruiter", "rita", "emulator",
        value={"action": "decide", "interview_id": interview_id, "decision": "another_round"},
    )
    await demo.run_jobs()
    if not await _send_edited_outcome(demo):
        say("The decision's message was not sent; stopping.")
        return 1

    say("\nFinal state")
    final = await demo.client.app[RUNTIME].services.scheduling.view(interview_id)
    say(f"  round 1 ({format_local_range(booked, 'Europe/London')}): "
        f"{final.stage.value if final else 'missing'}")
    rounds = await _interviews(demo)
    for round_no, stage in rounds:
        if round_no > 1:
            say(f"  round {round_no}: {stage}")
    ok = final is not None and final.stage is Stage.DECIDED and any(r > 1 for r, _ in rounds)
    return 0 if ok else 1


async def _send_edited_outcome(
    demo: Demo, step: str = "11. The recruiter edits the drafted message to the candidate and sends it.",
    added: str = "Looking forward to it.",
) -> bool:
    """After the decision: the recruiter edits the first drafted message of the drafts card (the
    candidate's) and sends it, then sends any other (the client's) as drafted: nothing leaves
    without a click. False when no draft came."""
    demo.say(f"\n{step}")
    drafts = [
        attachment["content"]
        for activity in demo.connector.activities("demo-recruiter")
        for attachment in activity.get("attachments") or [] if attachment.get("contentType") == CARD
        if any(a.get("data", {}).get("action") == "send_outcome" for a in _actions(attachment["content"]))
    ]
    if not drafts:
        return False
    card = drafts[-1]
    sends = [a["data"] for a in _actions(card) if a.get("data", {}).get("action") == "send_outcome"]
    for index, data in enumerate(sends):
        field_id = f"text_{data['message_id']}"
        [draft] = [n.get("value", "") for n in _actions(card, inputs=True) if n.get("id") == field_id]
        text = draft.replace("Best wishes,", f"{added} Best wishes,") if index == 0 else draft
        await demo.post("demo-recruiter", "rita", "emulator", value={**data, field_id: text})
        await demo.run_jobs()
    return True


async def _hold(demo: Demo, interview_id: str) -> int:
    """`askarsan demo --hold`: the recruiter puts the candidate on hold, sends the drafted word to
    them, and a week later askARSAN asks the recruiter to decide."""
    say = demo.say
    assert demo.client is not None
    say("\n10. The recruiter decides: on hold.")
    await demo.post("demo-recruiter", "rita", "emulator",
                    value={"action": "decide", "interview_id": interview_id, "decision": "on_hold"})
    await demo.run_jobs()
    step = "11. The recruiter adds a line to the drafted word to the candidate and sends it."
    if not await _send_edited_outcome(demo, step, "Thank you for your patience."):
        say("The decision's message was not sent; stopping.")
        return 1
    policy = demo.client.app[RUNTIME].services.ctx.config.policy
    days = policy.hold_follow_up.days
    say(f"\n12. {counted(days, 'day')} later, askARSAN asks the recruiter to decide.")
    before = len(demo.connector.activities("demo-recruiter"))
    demo.clock.move_to(demo.clock() + policy.hold_follow_up + timedelta(minutes=1))
    await demo.run_jobs()
    asked = demo.connector.activities("demo-recruiter")[before:]
    final = await demo.client.app[RUNTIME].services.scheduling.view(interview_id)
    say("\nFinal state")
    say(f"  {final.stage.value if final else 'missing'}, on hold; the recruiter was asked to decide: "
        f"{'yes' if asked else 'NO'}")
    return 0 if asked and final is not None and final.stage is Stage.DECIDED else 1


def _actions(node: Any, *, inputs: bool = False) -> Iterator[dict[str, Any]]:
    """A card's submit actions (or, with `inputs`, its input fields), depth first."""
    if isinstance(node, list):
        for item in node:
            yield from _actions(item, inputs=inputs)
    elif isinstance(node, dict):
        kind = str(node.get("type") or "")
        if kind.startswith("Input." if inputs else "Action.Submit"):
            yield node
        for value in node.values():
            yield from _actions(value, inputs=inputs)


async def _panel_journey(demo: Demo) -> int:
    """A panel of two interviewers in two zones, and a co-recruiter beside the owner."""
    say = demo.say
    say("askARSAN demo: a panel interview (two interviewers) with a co-recruiter, through the real bot.\n")

    say("1. The recruiter asks for a panel interview in Teams, with Tess as co-recruiter.")
    await demo.post("demo-recruiter", "rita", "emulator", text="schedule")
    say("  Recruiter adds Sam Lee (New York) as a second, required interviewer and presses the button.")
    await demo.post(
        "demo-recruiter", "rita", "emulator",
        value={
            "action": "request_interview",
            "client_name": "Harry Manager", "client_email": "harry@northwind.example",
            "client_organisation": "Northwind Ltd", "client_zone": "Europe/London",
            "candidate_name": "Asha Rao", "candidate_email": "asha@example.org",
            "candidate_zone": "Asia/Kolkata", "role_title": "Senior Data Engineer",
            "duration_minutes": "60", "format": "teams", "times_from": "offered_by_client",
            "panel": "Sam Lee, sam@northwind.example, America/New_York",
            "co_recruiters": "tess@agency.example",
        },
    )
    reply = demo.connector.texts("demo-recruiter")[-1]
    links = [part.split()[0] for part in reply.split("/chat?t=")[1:]]
    if len(links) != 2:
        say("The request was not accepted; stopping.")
        return 1
    say("  Rita and Tess's recruiting team has added askARSAN to its Teams team: each interview of")
    say("  theirs gets a thread in the team's General channel.")
    await _install_in_team(demo)
    await demo.run_jobs()
    interview_id = await _interview_id(demo)

    say("\n2. The client opens their link and offers a time that suits Sam in New York too.")
    client_user = await demo.join("demo-client", links[0])
    day = _slot_day(datetime.now(UTC).date())
    say(f"  Client enters {day.isoformat()} 14:00 and 15:00 (Europe/London: 09:00 and 10:00 in New York).")
    await demo.post(
        "demo-client", client_user, "directline",
        value={"action": "offer_slots", "interview_id": interview_id, "zone": "Europe/London",
               "slot_1_date": day.isoformat(), "slot_1_time": "14:00",
               "slot_2_date": day.isoformat(), "slot_2_time": "15:00"},
    )
    await demo.run_jobs()

    say("\n3. The candidate books the first time; everyone on the panel and both recruiters hear.")
    candidate_user = await demo.join("demo-candidate", links[1])
    assert demo.client is not None
    services = demo.client.app[RUNTIME].services
    view = await services.scheduling.view(interview_id)
    if view is None or not view.slots:
        say("No slots were offered; stopping.")
        return 1
    say(f"  Candidate chooses {format_local_range(view.slots[0].interval, view.candidate.zone)}.")
    await demo.post("demo-candidate", candidate_user, "directline",
                    value={"action": "pick_slot", "interview_id": interview_id, "slot_id": view.slots[0].id})
    await demo.run_jobs()
    view = await services.scheduling.view(interview_id)
    if view is None or view.booked is None:
        say("  The interview was not booked; stopping.")
        return 1
    booked = view.booked
    say("  The panel: " + "; ".join(
        f"{seat.party.name} ({seat.party.zone}, {'required' if seat.required else 'optional'}, "
        f"{'attending' if seat.attending else 'not attending'})" for seat in view.panel))

    say("\n4. After the interview askARSAN asks the candidate and each interviewer for feedback.")
    demo.clock.move_to(booked.end + timedelta(minutes=16))
    await demo.run_jobs()
    sam_links = demo.chat_links.get("sam@northwind.example") or []
    if not sam_links:
        say("  Sam got no link to answer in; stopping.")
        return 1
    say("  Sam opens the link in his feedback e-mail.")
    sam_user = await demo.join("demo-panel", sam_links[-1].split("/chat?t=")[1])

    say("\n5. Each answers on their own; Harry and Sam disagree.")
    await demo.post("demo-candidate", candidate_user, "directline", value={
        "action": "candidate_feedback", "interview_id": interview_id, "rating": "4",
        "impressions": "Two thoughtful interviewers.", "interest": "yes", "concerns": ""})
    await demo.post("demo-client", client_user, "directline", value={
        "action": "client_feedback", "interview_id": interview_id, "rating": "5",
        "impressions": "Excellent on pipelines.", "qualification": "yes", "concerns": "",
        "recommendation": "offer"})
    await demo.run_jobs()
    await demo.post("demo-panel", sam_user, "directline", value={
        "action": "client_feedback", "interview_id": interview_id, "rating": "2",
        "impressions": "Struggled with the modelling questions.", "qualification": "partly",
        "concerns": "Not senior enough yet.", "recommendation": "reject"})
    await demo.run_jobs()

    say("\n6. Rita decides: an offer. The team's thread gets the decision too.")
    await demo.post("demo-recruiter", "rita", "emulator",
                    value={"action": "decide", "interview_id": interview_id, "decision": "offer"})
    await demo.run_jobs()
    if not await _send_edited_outcome(
        demo, "7. Rita edits the offer message to Asha and sends it; Harry's goes as drafted."
    ):
        say("The decision's messages were not sent; stopping.")
        return 1
    posts = [p for p in demo.connector.channel_posts(TEAM_CHANNEL) if p[2].get("attachments")]
    roots = {conversation for conversation, reply_to, _ in posts if reply_to is None}
    say(f"\nIn the team's channel: {counted(len(posts), 'post')} in {counted(len(roots), 'thread')}, "
        "the candidate named by initials, no feedback text (the team has not switched it on).")

    rows = await services.reports.panel(interview_id)
    co = await services.reports.co_recruiters(interview_id)
    say("\nOn the tracker's interview page")
    say("  Owner: Rita Recruiter; co-recruiters: " + (", ".join(c.label for c in co) or "none"))
    say("  Panel: " + "; ".join(f"{r.name} ({r.zone}, {'required' if r.required else 'optional'})"
                                for r in rows))
    final = await services.scheduling.view(interview_id)
    say(f"  stage: {final.stage.value if final else 'missing'}")
    ok = (final is not None and final.stage is Stage.DECIDED and len(rows) == 1 and len(co) == 1
          and len(roots) == 1)
    return 0 if ok else 1


SENDING_MAILBOX = "askarsan@agency.example"
AGENCY_TENANT = "5f0c2a9e-3b1d-4e8f-9a6c-7d2e1b0a4c3f"  # the demo agency's Entra tenant


async def _install_in_team(demo: Demo) -> None:
    """The app added to the recruiting team, as Teams tells it: a conversationUpdate with the bot
    among the members added, the team in channelData; the roster read back from the connector."""
    team = {"id": TEAM_CHANNEL, "name": "Recruiting"}
    roster = (("rita", "Rita Recruiter", "0b6c1f52-6a3e-4d7b-9c41-2e8f5a7d9b10", "rita@agency.example"),
              ("tess", "Tess Teammate", "4e2d8a61-93b5-4c0f-8d17-6a5b3c9e2f48", "tess@agency.example"))
    for user_id, name, aad, address in roster:
        demo.connector.add_member(user_id, name=name, aad_object_id=aad, tenant_id=AGENCY_TENANT,
                                  email=address, user_principal_name=address)
    demo.connector.add_team(TEAM_CHANNEL, ["rita", "tess"])
    await demo.post(
        "demo-recruiter", "rita", "msteams", type="conversationUpdate",
        conversation={"id": TEAM_CHANNEL, "isGroup": True, "conversationType": "channel",
                      "tenantId": AGENCY_TENANT},
        channelData={"team": team, "channel": {"id": TEAM_CHANNEL, "name": "General"},
                     "tenant": {"id": AGENCY_TENANT}, "eventType": "teamMemberAdded"},
        membersAdded=[{"id": "askarsan"}],
    )
DEMO_TENANT = "00000000-0000-0000-0000-00000000d3m0".replace("d3m0", "0001")


def _graph_summary(demo: Demo) -> int:
    """What reached the Graph stand-in: each booking one event (a retried create made none more),
    the moved one cancelled, each offered slot's hold released once, and every mail once."""
    from bot.dev.loopback_graph import ci

    graph = demo.graph
    # The client's holds of the slots offered by hand are tentative events of their own.
    holds = [e for e in graph.events.values() if e.data.get("showAs") == "tentative"]
    events = [e for e in graph.events.values() if e.data.get("showAs") != "tentative"]
    live = [e for e in events if not e.cancelled]
    transactions = [e.data.get("transactionId") for e in events]
    creates = len([c for c in graph.calls("POST", "/events") if ci(c.body, "showAs") != "tentative"])
    demo.say("\nAt the Microsoft Graph stand-in")
    organisers = ", ".join(sorted({e.organizer for e in events}))
    demo.say(f"  events: {len(events)} created by {counted(creates, 'create call')}, {len(live)} live, "
             f"{len(events) - len(live)} cancelled; organiser {organisers}")
    released = [h for h in holds if h.deleted and len(graph.calls("DELETE", f"/events/{h.id}")) == 1]
    demo.say(f"  holds of the offered slots in the client's calendar: {len(holds)} made, "
             f"{len(released)} released once each")
    demo.say(f"  mails sent with sendMail: {len(graph.sent)}")
    once = len(set(transactions)) == len(transactions) == creates and len(live) == 1
    demo.say(f"  each booking's event exactly once: {'yes' if once else 'NO'}")
    return 0 if once and len(released) == len(holds) else 1


async def _interviews(demo: Demo) -> list[tuple[int, str]]:
    assert demo.client is not None
    async with demo.client.app[RUNTIME].sessions() as session:
        rows = await session.execute(select(Interview.round, Interview.stage).order_by(Interview.round))
        return [(int(r), str(s)) for r, s in rows]


async def _interview_id(demo: Demo) -> str:
    assert demo.client is not None
    async with demo.client.app[RUNTIME].sessions() as session:
        interview_id = await session.scalar(select(Interview.id))
    if interview_id is None:
        raise RuntimeError("no interview was created")
    return str(interview_id)


def main(
    settings: Settings, out: TextIO, *, graph: bool = False, panel: bool = False, hold: bool = False,
    log_file: Path | None = None,
) -> int:
    return asyncio.run(run_demo(settings, out, graph=graph, panel=panel, hold=hold, log_file=log_file))
