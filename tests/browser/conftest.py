"""Playwright for Python driving the system Chromium (Playwright's own browser download is not
reachable here). Missing browser or Web Chat bundle: skipped with the reason; under CI, a failure.
Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.environment import ROOT, require_service

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), os.environ.get("ASKARSAN_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    executable = chromium_path()
    if executable is None:
        require_service("Chromium", "apt-get install -y chromium (or set CHROMIUM=/path/to/chrome)")
    try:
        from playwright.async_api import async_playwright
    except ImportError as error:
        require_service("Playwright", str(error))

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def webchat_bundle() -> Path:
    """Microsoft's Web Chat bundle, which the chat page loads from node_modules."""
    bundle = ROOT / "node_modules" / "botframework-webchat" / "dist" / "webchat.js"
    if not bundle.is_file():
        require_service("the Web Chat bundle", "run `make install` (npm ci) with Node.js 20+")
    return bundle


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
