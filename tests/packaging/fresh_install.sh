#!/usr/bin/env sh
# What a deployment does: `pip install .` into a fresh virtualenv (no dev extras, no system site
# packages), then `askarsan manifest build` from a folder outside the source tree. The package it
# writes is then checked with the project's own virtualenv: exactly three files, and a manifest
# valid against Teams' JSON schema when tests/manifest has installed it (required under CI).
#
#   make install-check          (or: sh tests/packaging/fresh_install.sh)
#
# It downloads the runtime dependencies from the package index (about a minute with a warm pip
# cache), so the suite runs the quick version instead (tests/packaging/test_wheel.py: the wheel,
# unpacked, with the dev extras made unimportable).
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
DEV_PYTHON=${DEV_PYTHON:-$ROOT/.venv/bin/python}
# a relative path (make passes .venv/bin/python) is read from here, before the cd below
case "$DEV_PYTHON" in /*) ;; *) DEV_PYTHON="$(pwd)/$DEV_PYTHON" ;; esac
APP_ID=2f1a4c3e-8b7d-4e6f-9a0b-1c2d3e4f5a6b

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/elsewhere"

# `pip install .` in a copy: setuptools builds in the source folder, and a build/ left there from
# an earlier run would carry files since deleted into the wheel.
mkdir "$WORK/src"
tar -C "$ROOT" -cf - --exclude=./.git --exclude=./.venv --exclude=./node_modules --exclude=./build \
    --exclude='*.egg-info' --exclude=__pycache__ --exclude=./test-artifacts . \
    | tar -C "$WORK/src" -xf -
echo "fresh_install: pip install . (a copy of $ROOT) into a new virtualenv"
"$PYTHON" -m venv "$WORK/venv"
(cd "$WORK/src" && "$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check .)
# nothing of the dev extras came along
if "$WORK/venv/bin/python" -c "import jsonschema" 2>/dev/null \
    || "$WORK/venv/bin/python" -c "import pytest" 2>/dev/null; then
    echo "fresh_install: a plain install brought a dev extra along" >&2
    exit 1
fi

cd "$WORK/elsewhere"
echo "fresh_install: askarsan manifest build, in $WORK/elsewhere"
env MicrosoftAppId="$APP_ID" PUBLIC_URL=https://askarsan.example.com \
    "$WORK/venv/bin/askarsan" manifest build --out askarsan-teams.zip

# --schema without jsonschema: refused with what to install, nothing written
status=0
env MicrosoftAppId="$APP_ID" PUBLIC_URL=https://askarsan.example.com \
    "$WORK/venv/bin/askarsan" manifest build --out refused.zip --schema "$WORK/none.json" \
    2>"$WORK/refused.txt" || status=$?
if [ "$status" -ne 2 ] || ! grep -q "askarsan\[manifest-schema\]" "$WORK/refused.txt" \
    || [ -e refused.zip ]; then
    echo "fresh_install: --schema without jsonschema should exit 2 and name the extra; got $status:" >&2
    cat "$WORK/refused.txt" >&2
    exit 1
fi

PYTHONPATH="$ROOT" "$DEV_PYTHON" - "$WORK/elsewhere/askarsan-teams.zip" "$ROOT" <<'EOF'
import json
import os
import sys
import zipfile
from pathlib import Path

from manifest.builder import validate_manifest

package, root = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(package) as archive:
    names = sorted(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
if names != ["color.png", "manifest.json", "outline.png"]:
    sys.exit(f"fresh_install: the package holds {names}")
schema = (
    root / "node_modules/.teams-app-manifest/node_modules/@microsoft/app-manifest/build"
    / f"json-schemas/teams/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
)
if not schema.is_file():
    message = f"fresh_install: no Teams schema at {schema} (tests/manifest/install_schema.sh)"
    if os.environ.get("CI"):
        sys.exit(message)
    print(message + ": schema check left out")
    sys.exit(0)
problems = validate_manifest(manifest, schema)
if problems:
    sys.exit("fresh_install: the manifest does not match Teams' schema:\n  " + "\n  ".join(problems))
print(f"fresh_install: {package.name} is valid against {schema.parent.name}")
EOF
echo "fresh_install: ok"
