"""Where the tests run: the source tree, and services outside Python that a test needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require_service(what: str, reason: str) -> None:
    """A missing service fails the test under CI and skips it (with the reason) elsewhere."""
    message = f"{what} is not available: {reason}"
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure)")
    pytest.skip(message)
