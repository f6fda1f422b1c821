#!/usr/bin/env bash
# Make axe-core available for the accessibility check of the browser tests
# (tests/test_accessibility_browser.py injects build/axe/node_modules/axe-core/axe.min.js into each page).
# The version is pinned in scripts/axe/package.json and its sha512 in scripts/axe/package-lock.json:
# `npm ci` installs exactly that file or fails on a different one. Change the version there (and
# run `npm install --package-lock-only` in scripts/axe/), not here.
# Never fails: the test itself decides whether a missing axe-core is a skip or, in CI (CI=true), a failure.
set -u
cd "$(dirname "$0")/.." || exit 0
TARGET=build/axe
WANTED=$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' scripts/axe/package.json)
INSTALLED=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$TARGET/node_modules/axe-core/package.json" 2>/dev/null | head -1)
if [ -n "$WANTED" ] && [ "$INSTALLED" = "$WANTED" ] && [ -f "$TARGET/node_modules/axe-core/axe.min.js" ] \
  && cmp -s scripts/axe/package-lock.json "$TARGET/package-lock.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "npm がないためインストールします (apt-get install npm) ..."
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends npm; } >/tmp/ensure_axe.log 2>&1
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq --no-install-recommends npm; } >/tmp/ensure_axe.log 2>&1
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm がないため axe-core を入れられません。アクセシビリティのテストは省略されます (sudo apt-get install npm で入ります)。"
    exit 0
  fi
fi
echo "axe-core $WANTED をインストールします (npm ci --prefix $TARGET) ..."
mkdir -p "$TARGET"
cp scripts/axe/package.json scripts/axe/package-lock.json "$TARGET/"
npm ci --prefix "$TARGET" --ignore-scripts --no-audit --no-fund >/tmp/ensure_axe.log 2>&1 \
  || echo "axe-core をインストールできませんでした (/tmp/ensure_axe.log)。アクセシビリティのテストは省略されます。"
exit 0
