#!/usr/bin/env bash
# Build build/ckan-venv: CKAN with ckanext-dcat and ckanext-harvest, for tests/test_opendata_dcat.py,
# which runs their harvester on the catalogue (tests/ckan_harvest.py). Its own environment, since
# CKAN's pins conflict with the application's; installed from requirements/ckan.txt with
# --require-hashes (change the ranges in requirements/ckan.in and run `make lock-ckan`, not here).
# Idempotent: rebuilt only when the lock changes (its checksum is kept in the venv).
# Never fails: the test itself decides whether a missing CKAN is a skip or, in CI (CI=true), a failure.
set -u
cd "$(dirname "$0")/.." || exit 0
TARGET=build/ckan-venv
LOCK=requirements/ckan.txt
PYTHON=${PYTHON:-python3}
WANTED=$(cksum "$LOCK" | cut -d' ' -f1)
if [ -x "$TARGET/bin/python" ] && [ "$(cat "$TARGET/.lock-cksum" 2>/dev/null)" = "$WANTED" ]; then
  exit 0
fi
# psycopg2 (a pin of CKAN's) builds from source: it needs pg_config and a compiler.
if ! command -v pg_config >/dev/null 2>&1 || ! command -v gcc >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "CKAN の依存 psycopg2 を作るため libpq-dev と gcc をインストールします ..."
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends libpq-dev gcc python3-dev; } \
      >/tmp/ensure_ckan.log 2>&1
  fi
fi
echo "CKAN (requirements/ckan.txt) を $TARGET にインストールします ..."
rm -rf "$TARGET"
if "$PYTHON" -m venv "$TARGET" >/tmp/ensure_ckan.log 2>&1 \
  && "$TARGET/bin/python" -m pip install --quiet --require-hashes -r "$LOCK" >>/tmp/ensure_ckan.log 2>&1; then
  echo "$WANTED" >"$TARGET/.lock-cksum"
else
  rm -rf "$TARGET"
  echo "CKAN をインストールできませんでした (/tmp/ensure_ckan.log)。CKAN のテストは省略されます。"
fi
exit 0
