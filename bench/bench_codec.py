"""Microbenchmark of msrest on the turn path against its lean replacements.

Not a test: ``python -m bench codec`` (or ``python -m bench.bench_codec``).

Cases, in one process, each contender measured in every round, the order rotating from round to
round (the machine is shared: medians over many interleaved rounds, not single runs):

- ``parse``: a Teams message activity as /api/messages reads it (a dict from JSON) into an
  ``Activity``: msrest's ``Activity().deserialize`` vs the codec's ``deserialize_activity``
  (``bot/framework/sdk4171/activity_codec.py``);
- ``body``: a reply into the JSON bytes the connector client sends (a text reply and an Adaptive
  Card reply): msrest's ``Serializer.body`` + ``json.dumps`` vs ``serialize_activity`` + ``json.dumps``;
- ``reply``: ``conversations.reply_to_activity`` to a loopback Bot Connector running in its own
  process, one call at a time: the SDK's ``ConnectorClient`` (msrest, requests in a worker thread)
  vs ``bot.framework.sdk4171.connector_client.LeanConnectorClient`` (aiohttp). Per call: wall time, and this
  process's CPU time (all threads, so msrest's request thread counts).

Reported: the median over rounds of the per-operation time of each round, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import Child, free_port, python

ROUNDS = {"parse": 41, "body": 41, "reply": 25}
OPS = {"parse": 300, "body": 300, "reply": 60}


def teams_message() -> dict[str, Any]:
    return {
        "text": "help", "textFormat": "plain", "type": "message",
        "timestamp": "2024-05-02T09:15:31.1234567Z", "localTimestamp": "2024-05-02T11:15:31.123+02:00",
        "id": "1714641331123", "channelId": "msteams", "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "from": {"id": "29:1abcDEF-ghijkLMNOP_qrstuvWXyz0123456789abcdefghijklmnopqrstuvwxYZ",
                 "name": "Rita Recruiter", "aadObjectId": "3c7e1f9a-1111-2222-3333-444455556666"},
        "conversation": {"conversationType": "personal", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                         "id": "a:1XyZ_abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFGHIJKLMNOPQRSTUVWX"},
        "recipient": {"id": "28:00000000-0000-0000-0000-00000000a991", "name": "askARSAN"},
        "entities": [{"locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London",
                      "type": "clientInfo"}],
        "channelData": {"tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
        "locale": "en-GB", "localTimezone": "Europe/London",
    }


def replies() -> dict[str, Any]:
    from botbuilder.core import CardFactory, MessageFactory, TurnContext
    from botbuilder.schema import Activity

    incoming = Activity().deserialize(teams_message())
    reference = TurnContext.get_conversation_reference(incoming)

    def as_reply(activity: Any) -> Any:
        return TurnContext.apply_conversation_reference(activity, reference)

    card = {
        "type": "AdaptiveCard", "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Pick a time that suits you (Europe/London)", "wrap": True},
                 {"type": "Input.ChoiceSet", "id": "slot", "style": "expanded", "choices": [
                     {"title": f"Tue {h}:00", "value": f"2024-05-07T{h:02}:00:00Z"} for h in range(9, 17)]}],
        "actions": [{"type": "Action.Submit", "title": "Book", "data": {"verb": "pick", "interview": "i-1"}}],
    }
    return {
        "text reply": as_reply(MessageFactory.text("I'm askARSAN. Type *schedule* to ask for an interview.")),
        "card reply": as_reply(MessageFactory.attachment(CardFactory.adaptive_card(card))),
    }


def _timed(operation: Callable[[], Any], ops: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(ops):
        operation()
    return (time.perf_counter() - wall) / ops, (time.process_time() - cpu) / ops


async def _timed_async(operation: Callable[[], Awaitable[Any]], ops: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(ops):
        await operation()
    return (time.perf_counter() - wall) / ops, (time.process_time() - cpu) / ops


Samples = dict[str, list[tuple[float, float]]]  # contender -> (wall, CPU) seconds per op, per round


def _rows(case: str, samples: Samples, rounds: int, ops: int) -> list[dict[str, Any]]:
    return [
        {
            "case": case, "contender": contender, "rounds": rounds, "ops_per_round": ops,
            "median_us": statistics.median(s[0] for s in found) * 1e6,
            "cpu_us": statistics.median(s[1] for s in found) * 1e6,
        }
        for contender, found in samples.items()
    ]


def _interleave(contenders: dict[str, Callable[[], Any]], rounds: int, ops: int) -> Samples:
    names = list(contenders)
    samples: Samples = {name: [] for name in names}
    for name in names:  # warm-up
        _timed(contenders[name], ops // 10 or 1)
    for n in range(rounds):
        for name in names[n % len(names):] + names[: n % len(names)]:
            samples[name].append(_timed(contenders[name], ops))
    return samples


def bench_parse() -> list[dict[str, Any]]:
    from botbuilder.schema import Activity

    from bot.framework.sdk4171.activity_codec import deserialize_activity

    body = teams_message()
    samples = _interleave(
        {"msrest": lambda: Activity().deserialize(body), "lean": lambda: deserialize_activity(body)},
        ROUNDS["parse"], OPS["parse"],
    )
    return _rows("parse a Teams message", samples, ROUNDS["parse"], OPS["parse"])


def bench_body() -> list[dict[str, Any]]:
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    from bot.framework.sdk4171.activity_codec import serialize_activity

    serializer = ConnectorClient(MicrosoftAppCredentials.empty(), base_url="https://x.invalid/")._serialize
    rows = []
    for name, reply in replies().items():
        # msrest's body() may rebuild parts of its input: each side gets its own copy.
        mine, theirs = copy.deepcopy(reply), copy.deepcopy(reply)
        assert json.dumps(serialize_activity(mine)) == json.dumps(serializer.body(theirs, "Activity"))
        samples = _interleave(
            {
                "msrest": lambda theirs=theirs: json.dumps(serializer.body(theirs, "Activity")).encode(),
                "lean": lambda mine=mine: json.dumps(serialize_activity(mine, serializer)).encode(),
            },
            ROUNDS["body"], OPS["body"],
        )
        rows += _rows(f"serialize a {name}", samples, ROUNDS["body"], OPS["body"])
    return rows


async def _bench_reply(url: str) -> list[dict[str, Any]]:
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    from bot.framework.sdk4171.connector_client import LeanConnectorClient, SharedSession

    session = SharedSession()
    sdk = ConnectorClient(MicrosoftAppCredentials.empty(), base_url=url)
    lean = LeanConnectorClient(ConnectorClient(MicrosoftAppCredentials.empty(), base_url=url), session)
    conversation = "a:1XyZ_abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFGHIJKLMNOPQRSTUVWX"
    reply_to = "1714641331123"
    rows = []
    try:
        for name, reply in replies().items():
            contenders = {
                "msrest": lambda r=reply: sdk.conversations.reply_to_activity(conversation, reply_to, r),
                "lean": lambda r=reply: lean.conversations.reply_to_activity(conversation, reply_to, r),
            }
            names = list(contenders)
            samples: Samples = {n: [] for n in names}
            for contender in names:
                await _timed_async(contenders[contender], 10)  # warm-up: connections, sessions
            for n in range(ROUNDS["reply"]):
                for contender in names[n % 2:] + names[: n % 2]:
                    samples[contender].append(await _timed_async(contenders[contender], OPS["reply"]))
            rows += _rows(f"reply_to_activity, {name}, loopback", samples, ROUNDS["reply"], OPS["reply"])
    finally:
        await sdk.__aexit__(None, None, None)
        await lean.__aexit__(None, None, None)
        await session.close()
    return rows


def bench_reply() -> list[dict[str, Any]]:
    port = free_port()
    server = Child("codec-connector", [python(), "-m", "bench.bench_codec", "--serve", str(port)])
    try:
        asyncio.run(server.wait_http(f"http://127.0.0.1:{port}/healthz"))
        return asyncio.run(_bench_reply(f"http://127.0.0.1:{port}/emea/"))
    finally:
        server.stop()


def serve(port: int) -> None:
    """The loopback connector of the reply case: answers every activity with an id."""
    from aiohttp import web

    async def activity(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": "act-1"})

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_route("*", "/{tail:.*}", activity)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def run() -> list[dict[str, Any]]:
    return bench_parse() + bench_body() + bench_reply()


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    lines = []
    for case in dict.fromkeys(row["case"] for row in rows):
        found = {row["contender"]: row for row in rows if row["case"] == case}
        msrest, lean = found["msrest"], found["lean"]
        result = (
            f"msrest {msrest['median_us']:,.1f} µs (CPU {msrest['cpu_us']:,.1f}) · "
            f"lean {lean['median_us']:,.1f} µs (CPU {lean['cpu_us']:,.1f}) · "
            f"{msrest['median_us'] / lean['median_us']:.1f}× faster, "
            f"{msrest['cpu_us'] / lean['cpu_us']:.1f}× less CPU "
            f"(medians of {msrest['rounds']} rounds × {msrest['ops_per_round']})"
        )
        lines.append((case, result, ""))
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", type=int, metavar="PORT", help="run the loopback connector")
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    for case, result, _ in summarize(run()):
        print(f"{case}: {result}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
