"""The floor of a pick: a bare aiohttp handler doing a candidate's pick's durable work with the
``sqlite3`` module, in one transaction, and posting the reply. The yardstick the pick is held to
(``python -m bench instructions``); not part of askARSAN and not a way to book anything.

``python -m bench.floor_pick --port N --database PATH`` serves ``POST /api/messages`` (a card
action ``{"action": "pick_slot", "interview_id", "slot_id"}`` from ``inv-<invitation id>``, as
``bench.bench_turns.pick_bodies`` sends) and ``GET /healthz``, on a database that
``bench.bench_turns.prepare_picks`` prepared (askARSAN's own schema, migrated).

What it writes is what ``askarsan serve`` writes for the same pick today (read from a trace of
its statements, December 2026), with the reads it needs to decide, all in one ``BEGIN
IMMEDIATE`` transaction:

- the replay claim: a ``bot_state`` row ``replay|channel|conversation|activity id`` (a replay
  finds it and is answered without booking again);
- who is talking: the invitation behind ``inv-<id>`` (read once), for this interview, not
  revoked, not expired;
- the interview (awaiting the candidate), the slot (offered), the client's other active bookings
  (no overlap), the interview's panel;
- the ``bookings`` row, the slots' update (the pick booked, the others withdrawn), the
  ``audit_events`` row, the interview's update (stage, times, version);
- the outbox: the 13 ``jobs`` rows the booking plans today (holds released, calendar event, two
  confirmations, two mails, the recruiter's note, four reminders, the end mark, the channel
  post), with their idempotency keys;
- the parties' names for the reply, and the conversation reference (``webchat_references``),
  written only when it changed.

No conversation or user state row is written: today's pick writes none either (its dialog state
is unchanged by a card action). JSON is made with ``json.dumps``, ids with ``uuid4().hex``,
times as SQLAlchemy stores them on SQLite (naive UTC, microseconds), so the rows are the same
size as askARSAN's.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import bare_reply

# (kind, role, note, when): when is "now", or an offset from the start ("start-24h", "start-1h"),
# or from the end ("end+15m"), as the booking's effects plan them (services/effects/).
OUTBOX = (
    ("release_holds", None, "booked", "now"),
    ("create_calendar_event", None, None, "now"),
    ("confirm_booking", "client", None, "now"),
    ("confirm_booking", "candidate", None, "now"),
    ("send_invitation_email", "client", None, "now"),
    ("send_invitation_email", "candidate", None, "now"),
    ("notify_recruiter", "recruiter", "booked", "now"),
    ("remind_before_interview", "client", "reminder", "start-24h"),
    ("remind_before_interview", "candidate", "reminder", "start-24h"),
    ("remind_before_interview", "client", "reminder", "start-1h"),
    ("remind_before_interview", "candidate", "reminder", "start-1h"),
    ("mark_interview_ended", None, "ended", "end+15m"),
    ("post_to_channel", None, "booked", "now"),
)
OFFSETS = {"start-24h": timedelta(hours=-24), "start-1h": timedelta(hours=-1)}


def _db(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


class Refused(Exception):
    """The pick cannot be booked (the reply says so; nothing is written)."""


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def pick(conn: sqlite3.Connection, activity: dict[str, Any], now: datetime) -> str | None:
    """The pick's durable work in one transaction; the reply's text, or None for a replay."""
    value = activity.get("value") or {}
    interview_id, slot_id = str(value["interview_id"]), str(value["slot_id"])
    user = activity["from"]["id"]
    conversation = activity["conversation"]["id"]
    at = _db(now)
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        key = f"replay|{activity['channelId']}|{conversation}|{activity['id']}"
        cur.execute(
            'INSERT INTO bot_state ("key", etag, data, updated_at) VALUES (?, 0, ?, ?) '
            'ON CONFLICT ("key") DO NOTHING',
            (key, "{}", at),
        )
        if cur.rowcount == 0:
            cur.execute("ROLLBACK")
            return None
        if not user.startswith("inv-"):
            raise Refused("not an invitation's chat")
        row = cur.execute(
            "SELECT interview_id, party_id, role, expires_at, revoked_at FROM invitations WHERE id = ?",
            (user[4:],),
        ).fetchone()
        if row is None or row[0] != interview_id or row[2] != "candidate" or row[4] is not None:
            raise Refused("not this interview's candidate")
        if _parse(row[3]) <= now:
            raise Refused("the invitation has expired")
        party_id = row[1]
        interview = cur.execute(
            "SELECT stage, client_id, candidate_id, recruiter_id, version, role_title FROM interviews "
            "WHERE id = ?",
            (interview_id,),
        ).fetchone()
        if interview is None or interview[0] != "awaiting_pick":
            raise Refused("the interview is not awaiting a pick")
        _stage, client_id, candidate_id, _recruiter_id, version, role_title = interview
        slot = cur.execute(
            'SELECT slots.start, slots."end", slots.status, parties.timezone FROM slots '
            "JOIN interviews ON interviews.id = slots.interview_id "
            "JOIN parties ON parties.id = interviews.client_id WHERE slots.id = ?",
            (slot_id,),
        ).fetchone()
        if slot is None or slot[2] != "offered":
            raise Refused("the slot is no longer offered")
        start, end = _parse(slot[0]), _parse(slot[1])
        for other_start, other_end in cur.execute(
            'SELECT start, "end" FROM bookings WHERE client_id = ? AND status = ? AND interview_id != ?',
            (client_id, "active", interview_id),
        ).fetchall():
            if _parse(other_start) < end and _parse(other_end) > start:
                raise Refused("the client is booked then")
        cur.execute(
            "SELECT parties.id, parties.display_name, parties.email, parties.timezone, "
            "interview_interviewers.required FROM parties JOIN interview_interviewers "
            "ON interview_interviewers.party_id = parties.id "
            "WHERE interview_interviewers.interview_id = ? ORDER BY interview_interviewers.position",
            (interview_id,),
        ).fetchall()
        cur.execute(
            "INSERT INTO bookings (id, interview_id, slot_id, client_id, start, \"end\", status, "
            "created_at, cancelled_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, NULL)",
            (uuid.uuid4().hex, interview_id, slot_id, client_id, slot[0], slot[1], at),
        )
        cur.execute(
            "UPDATE slots SET status = CASE WHEN id = ? THEN 'booked' ELSE 'withdrawn' END "
            "WHERE interview_id = ? AND status = 'offered'",
            (slot_id, interview_id),
        )
        cur.execute(
            "INSERT INTO audit_events (id, interview_id, at, actor_role, actor_party_id, action, detail) "
            "VALUES (?, ?, ?, 'candidate', ?, 'booked', ?)",
            (uuid.uuid4().hex, interview_id, at, party_id, json.dumps({"slot_id": slot_id})),
        )
        version += 1
        cur.execute(
            "UPDATE interviews SET stage = 'scheduled', starts_at = ?, ends_at = ?, booked_at = ?, "
            "stage_changed_at = ?, version = ? WHERE id = ?",
            (slot[0], slot[1], at, at, version, interview_id),
        )
        jobs = []
        for kind, role, note, when in OUTBOX:
            data: dict[str, Any] = {} if note is None else {"note": note}
            if when == "now":
                due, due_key = now, "now"
            else:
                due = end + timedelta(minutes=15) if when == "end+15m" else start + OFFSETS[when]
                due_key = due.isoformat()
                data["slot_start"] = start.isoformat()
            jobs.append(
                (
                    uuid.uuid4().hex, kind, interview_id, role,
                    json.dumps({"data": data, "version": version}),
                    f"{interview_id}:{version}:{kind}:{role or '-'}:{due_key}", _db(due), at,
                )
            )
        cur.executemany(
            "INSERT INTO jobs (id, kind, interview_id, role, payload, idempotency_key, status, due_at, "
            "attempts, max_attempts, last_error, locked_until, created_at, done_at) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, 0, 8, NULL, NULL, ?, NULL)",
            jobs,
        )
        names = dict(
            cur.execute(
                "SELECT id, display_name FROM parties WHERE id IN (?, ?)", (client_id, candidate_id)
            ).fetchall()
        )
        reference = json.dumps(
            {
                "user": activity["from"],
                "bot": activity["recipient"],
                "conversation": {"id": conversation},
                "channelId": activity["channelId"],
                "serviceUrl": activity["serviceUrl"],
            }
        )
        known = cur.execute(
            "SELECT reference FROM webchat_references WHERE interview_id = ? AND party_id = ?",
            (interview_id, party_id),
        ).fetchone()
        if known is None or known[0] != reference:
            cur.execute(
                "INSERT INTO webchat_references (interview_id, party_id, reference, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (interview_id, party_id) "
                "DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at",
                (interview_id, party_id, reference, at),
            )
        cur.execute("COMMIT")
    except Refused as refused:
        cur.execute("ROLLBACK")
        return f"Sorry: {refused}."
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return (
        f"Booked: {role_title} with {names.get(client_id, 'the client')}, "
        f"{start:%a %d %b %H:%M} UTC."
    )


def app(database: str) -> Any:
    import aiohttp
    from aiohttp import web

    holder: dict[str, Any] = {}

    async def parts(_app: web.Application) -> AsyncIterator[None]:
        holder["session"] = aiohttp.ClientSession()
        holder["db"] = connect(database)
        yield
        await holder["session"].close()
        holder["db"].close()

    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        text = pick(holder["db"], activity, datetime.now(UTC))
        if text is None:
            return web.Response(status=200)
        url, reply = bare_reply(activity, text)
        async with holder["session"].post(url, json=reply) as response:
            await response.read()
        return web.Response(status=201)

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    application = web.Application()
    application.cleanup_ctx.append(parts)
    application.router.add_post("/api/messages", messages)
    application.router.add_get("/healthz", health)
    return application


def _main() -> None:
    from aiohttp import web

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="a SQLite file bench_turns.prepare_picks filled")
    args = parser.parse_args()
    web.run_app(app(args.database), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    _main()
