"""Each floor below the Bot Framework edge imports with the SDK made unimportable.

`make lint`'s import contracts read the import statements; this runs them, so what they do not
follow counts too: the package ``__init__`` modules Python executes on the way to a module, and
imports made while a module is being imported.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.environment import ROOT

SDK = ["botbuilder", "botframework", "msrest"]
# Each module is imported, except Alembic's scripts, which only Alembic runs.
_IMPORT_ALL = """
import importlib, pkgutil, sys
root, blocked, package = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
sys.path.insert(0, root)
sys.modules.update(dict.fromkeys(blocked))
top = importlib.import_module(package)
for found in pkgutil.walk_packages(top.__path__, prefix=package + "."):
    if not found.name.startswith("storage.migrations"):
        importlib.import_module(found.name)
"""


@pytest.mark.parametrize(
    "package",
    [
        "scheduling",
        "storage",
        "integrations",
        "cards",
        "services",
        "manifest",
        "bot.web",
    ],
    ids=str,
)
def test_the_floor_imports_without_the_bot_framework_sdk(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", _IMPORT_ALL, str(ROOT), ",".join(SDK), package],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
