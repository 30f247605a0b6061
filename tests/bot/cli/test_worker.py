"""`askarsan worker` on a database the server has not migrated: it says what to do and stops,
rather than failing every pass on missing tables (several workers must not race to migrate)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_worker_on_an_unmigrated_database_says_to_migrate_first(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASKARSAN_ENV": "local",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}",
        "ASKARSAN_DATA_DIR": str(tmp_path / "var"),
        "ASKARSAN_SECRET_KEY": "worker-test-secret-" + "s" * 32,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "run `askarsan migrate`" in result.stderr
    assert "no such table" not in result.stderr
