"""Fixtures for the Teams app package tests.

The official manifest JSON schema comes from the npm package ``@microsoft/app-manifest``, pinned
in ``install_schema.sh`` and installed into the git-ignored ``node_modules/.teams-app-manifest/``.
When it is missing, the ``teams_schema`` fixture runs that script once per session. Without npm the
schema tests are skipped with the reason, except under CI (``CI`` set), where they fail: CI must
check the schema.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from manifest.builder import MANIFEST_DIR, ManifestInputs, load_template
from tests.helpers.environment import ROOT, require_service
from tests.helpers.manifest import GOOD_APP_ID

INSTALL_SCRIPT = Path(__file__).resolve().parent / "install_schema.sh"
NPM_PREFIX = ROOT / "node_modules" / ".teams-app-manifest"
PACKAGE_DIR = NPM_PREFIX / "node_modules" / "@microsoft" / "app-manifest"


def pinned_version() -> str:
    match = re.search(r"^APP_MANIFEST_VERSION=(\S+)$", INSTALL_SCRIPT.read_text(), re.MULTILINE)
    assert match, f"{INSTALL_SCRIPT} must pin APP_MANIFEST_VERSION=<version>"
    return match.group(1)


def schema_path_for(manifest_version: str) -> Path:
    return (
        PACKAGE_DIR
        / "build"
        / "json-schemas"
        / "teams"
        / f"v{manifest_version}"
        / "MicrosoftTeams.schema.json"
    )


def _installed_version() -> str | None:
    try:
        return str(json.loads((PACKAGE_DIR / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="session")
def teams_schema() -> Path:
    """The official JSON schema for the template's manifestVersion, installed if needed."""
    version = pinned_version()
    schema = schema_path_for(load_template()["manifestVersion"])
    if _installed_version() != version or not schema.is_file():
        if shutil.which("npm") is None:
            require_service(
                "npm", f"it installs @microsoft/app-manifest@{version} "
                f"(run {INSTALL_SCRIPT.relative_to(ROOT)} on a machine with Node.js)"
            )
        result = subprocess.run(
            ["sh", str(INSTALL_SCRIPT)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            require_service(
                f"@microsoft/app-manifest@{version}",
                f"{INSTALL_SCRIPT.relative_to(ROOT)} failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-800:]}",
            )
    if _installed_version() != version:
        pytest.fail(
            f"expected @microsoft/app-manifest@{version} in {PACKAGE_DIR}, "
            f"found {_installed_version()}"
        )
    if not schema.is_file():
        pytest.fail(
            f"@microsoft/app-manifest@{version} has no schema at {schema}: the template's "
            "manifestVersion is not shipped by the pinned package"
        )
    return schema


@pytest.fixture
def good_inputs() -> ManifestInputs:
    return ManifestInputs(app_id=GOOD_APP_ID, host="askarsan.example.com")


@pytest.fixture
def manifest_copy(tmp_path: Path) -> Path:
    """A scratch copy of manifest/ that a test may spoil (bad icons, edited template)."""
    target = tmp_path / "manifest"
    shutil.copytree(MANIFEST_DIR, target)
    return target
