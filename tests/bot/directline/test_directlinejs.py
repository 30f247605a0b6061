"""Microsoft's own Direct Line client (botframework-directlinejs, from npm) against the live test
server, over WebSocket and over polling. Needs `node` and `npm ci` (make install): skipped with the
reason when missing, a failure under CI."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.directline import make_invitation, open_session
from tests.helpers.environment import ROOT, require_service

SCRIPT = Path(__file__).resolve().parent / "directlinejs_client.mjs"
NEEDED = ("botframework-directlinejs", "ws", "xhr2")


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        require_service("Node.js (node)", "install Node.js 20+ to run the directlinejs protocol tests")
    missing = [name for name in NEEDED if not (ROOT / "node_modules" / name / "package.json").is_file()]
    if missing:
        require_service("npm packages " + ", ".join(missing), "run `make install` (npm ci)")
    return str(node)


@pytest.mark.parametrize("mode", ["websocket", "polling"])
async def test_directlinejs_posts_help_and_gets_the_bots_reply(dl_client: Any, mode: str) -> None:
    node = node_or_skip()
    client = await dl_client()
    invite = await make_invitation(client.app)
    session = await open_session(client, invite)
    process = await asyncio.create_subprocess_exec(
        node, str(SCRIPT), session["domain"], session["token"], mode, "help",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(ROOT),
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    cid = session["conversationId"]
    assert result["mode"] == mode and result["conversationId"] == cid
    assert result["postedId"] == result["echo"]["id"] and result["postedId"].startswith(cid + "|")
    assert result["echo"]["from"]["id"] == invite.user_id  # not the forged one
    assert result["echo"]["text"] == "help"
    assert result["reply"]["replyToId"] == result["postedId"]
    assert result["reply"]["text"] and result["reply"]["timestamp"].endswith("Z")
