#!/usr/bin/env bash
# Install the npm packages the test suite uses, each exactly as its lock file says:
#   scripts/axe/        axe-core, injected by tests/test_accessibility_browser.py into each page;
#   scripts/ts_client/  openapi-typescript, openapi-fetch and tsc, for tests/test_api_clients.py's
#                       TypeScript consumer of /api/schema/.
# Each folder's package.json pins the versions and its package-lock.json their sha512: `npm ci`
# installs exactly those files into build/<folder>/ or fails. Change the versions there (and run
# `npm install --package-lock-only` in that folder), not here. A folder is skipped when build/
# already holds its lock file and a finished install (node_modules/.package-lock.json).
# Never fails: each test decides whether a missing package is a skip or, in CI (CI=true), a failure.
# With no arguments, every folder above; or name them: scripts/ensure_npm_packages.sh axe
set -u
cd "$(dirname "$0")/.." || exit 0
FOLDERS=("$@")
[ ${#FOLDERS[@]} -gt 0 ] || FOLDERS=(axe ts_client)

missing=()
for folder in "${FOLDERS[@]}"; do
  if ! { [ -f "build/$folder/node_modules/.package-lock.json" ] && cmp -s "scripts/$folder/package-lock.json" "build/$folder/package-lock.json"; }; then
    missing+=("$folder")
  fi
done
[ ${#missing[@]} -gt 0 ] || exit 0

if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "npm がないためインストールします (apt-get install npm) ..."
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends npm; } >/tmp/ensure_npm.log 2>&1
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq --no-install-recommends npm; } >/tmp/ensure_npm.log 2>&1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm がないため ${missing[*]} を入れられません。それを使うテストは省略されます (sudo apt-get install npm で入ります)。"
    exit 0
  fi
fi
for folder in "${missing[@]}"; do
  echo "scripts/$folder/package-lock.json のとおりにインストールします (npm ci --prefix build/$folder) ..."
  rm -rf "build/$folder"
  mkdir -p "build/$folder"
  cp "scripts/$folder/package.json" "scripts/$folder/package-lock.json" "build/$folder/"
  npm ci --prefix "build/$folder" --ignore-scripts --no-audit --no-fund >"/tmp/ensure_npm_$folder.log" 2>&1 \
    || echo "build/$folder をインストールできませんでした (/tmp/ensure_npm_$folder.log)。それを使うテストは省略されます。"
done
exit 0
