"""`askarsan demo` (what `make demo` runs), as a newcomer reads it: its output is the story, the
server's log lines go to a file it names, and it prints no link to a server that has stopped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING) ", re.MULTILINE)
LINK = re.compile(r"https?://\S+")


def test_the_demo_prints_the_story_alone_and_logs_to_a_file(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("ASKARSAN_", "DATABASE_URL", "PUBLIC_URL", "MAIL", "CALENDAR"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"], cwd=tmp_path, capture_output=True, text=True,
        timeout=300,
        env={**clean, "PYTHONPATH": str(ROOT), "ASKARSAN_ENV": "local",
             "ASKARSAN_DATA_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    story = result.stdout
    assert "1. The recruiter asks for an interview" in story and "Final state" in story
    assert LOG_LINE.findall(story) == [] and result.stderr == "", result.stderr[:1000]
    # The demo's server is gone when it ends: no link of it is printed, the chat links included.
    assert LINK.findall(story) == []
    assert "personal chat link" in story
    log = tmp_path / "var" / "demo" / "demo.log"
    assert str(log) in story or "var/demo/demo.log" in story
    assert "mail written to outbox" in log.read_text(encoding="utf-8")
