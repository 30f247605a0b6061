"""The wheel as it ships: built once per session from a copy of the source tree, and unpacked.

The build uses this virtualenv's setuptools (``--no-build-isolation``: no download, a few seconds).
The full check, a fresh virtualenv that installs the project with its runtime dependencies only, is
``make install-check`` (tests/packaging/fresh_install.sh), which CI runs after the suite.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.helpers.environment import ROOT
from tests.helpers.wheel import BuiltWheel

# What the build needs from the tree: pyproject.toml, README.md (the long description) and the
# packages; not node_modules, the virtualenv, caches, or earlier builds.
_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "tests", "bench", "build", "dist", "*.egg-info", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", "test-artifacts", "var", "*.db", ".env",
)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> BuiltWheel:
    base = tmp_path_factory.mktemp("wheel")
    source, out, unpacked = base / "source", base / "dist", base / "unpacked"
    shutil.copytree(ROOT, source, ignore=_NOT_COPIED)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-cache-dir", "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"pip wheel failed:\n{output[-3000:]}"
    (path,) = out.glob("askarsan-*.whl")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(unpacked)
    return BuiltWheel(path=path, unpacked=unpacked, build_output=output)
