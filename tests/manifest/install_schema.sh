#!/usr/bin/env sh
# Install the official Teams app manifest JSON schemas (npm package @microsoft/app-manifest) for the
# offline schema validation in tests/manifest. tests/manifest/conftest.py runs this when the schemas
# are missing and reads the pin from the APP_MANIFEST_VERSION line below.
#
# The package goes to node_modules/.teams-app-manifest/ (git-ignored), its own npm prefix: an
# `npm install --no-save` straight into node_modules/ would prune whatever else other tools installed
# there with --no-save, and theirs would prune ours. npm leaves dot-folders in node_modules/ alone.
set -eu
APP_MANIFEST_VERSION=1.1.2

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
PREFIX="$ROOT/node_modules/.teams-app-manifest"
if ! command -v npm >/dev/null 2>&1; then
    echo "install_schema.sh: npm is not on PATH; install Node.js 20+ to get the Teams manifest schemas" >&2
    exit 127
fi
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    "@microsoft/app-manifest@${APP_MANIFEST_VERSION}"
echo "installed @microsoft/app-manifest@${APP_MANIFEST_VERSION} into $PREFIX"
