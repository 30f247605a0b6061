"""What `askarsan serve` prints at start in `local`: a secret it generated for this run, with its
value (nobody else knows it); a secret from the environment only by name (whoever set it knows it,
and a log of the console need not hold it)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.helpers.environment import ROOT
from tests.helpers.http import free_port


async def startup_lines(tmp_path: Path, **env: str) -> list[str]:
    """`askarsan serve` until it has printed its start-up lines, then stopped."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASKARSAN_", "DATABASE_URL", "PUBLIC_URL"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**clean, "PYTHONPATH": str(ROOT), "ASKARSAN_ENV": "local", "PORT": str(port),
             "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "ASKARSAN_DATA_DIR": str(tmp_path / "var"),
             "ASKARSAN_RUN_JOBS": "false", **env},
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        while not any("JSON API key" in line for line in lines):
            line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert line, "serve stopped before printing its start-up lines"
            lines.append(line.decode().rstrip())
    finally:
        process.terminate()
        await process.wait()
    return lines


def line_with(lines: list[str], label: str) -> str:
    return next(line for line in lines if label in line)


async def test_secrets_generated_for_the_run_are_printed_and_said_to_be_generated(tmp_path: Path) -> None:
    lines = await startup_lines(tmp_path)
    password = line_with(lines, "local password")
    api_key = line_with(lines, "JSON API key")
    assert password.endswith("(generated for this run)") and len(password.split()[2]) >= 12
    assert api_key.endswith("(generated for this run)") and len(api_key.split()[3]) >= 32


@pytest.mark.parametrize(
    ("env", "label", "variable"),
    [({"ASKARSAN_TRACKER_PASSWORD": "tracker-password-from-env"}, "local password", "ASKARSAN_TRACKER_PASSWORD"),
     ({"ASKARSAN_API_KEY": "api-key-from-the-environment-0123"}, "JSON API key", "ASKARSAN_API_KEY")],
    ids=["tracker-password", "api-key"],
)
async def test_a_secret_from_the_environment_is_named_not_printed_nor_called_generated(
    tmp_path: Path, env: dict[str, str], label: str, variable: str
) -> None:
    lines = await startup_lines(tmp_path, **env)
    line = line_with(lines, label)
    assert "generated" not in line and f"from {variable}" in line
    assert env[variable] not in "\n".join(lines)
