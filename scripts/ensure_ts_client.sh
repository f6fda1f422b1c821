#!/usr/bin/env bash
# Make the TypeScript consumer of the API available (tests/test_api_clients.py generates types from
# /api/schema/ with openapi-typescript and type-checks a small openapi-fetch program with tsc).
# The versions are pinned in scripts/ts_client/package.json and their sha512 in
# scripts/ts_client/package-lock.json: `npm ci` installs exactly those files or fails. Change the
# versions there (and run `npm install --package-lock-only` in scripts/ts_client/), not here.
# Never fails: the test itself decides whether a missing tool is a skip or, in CI (CI=true), a failure.
set -u
cd "$(dirname "$0")/.." || exit 0
TARGET=build/ts_client
if [ -x "$TARGET/node_modules/.bin/tsc" ] && [ -x "$TARGET/node_modules/.bin/openapi-typescript" ] \
  && cmp -s scripts/ts_client/package-lock.json "$TARGET/package-lock.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm がないため TypeScript のクライアントを入れられません。そのテストは省略されます (sudo apt-get install npm で入ります)。"
  exit 0
fi
echo "openapi-typescript と TypeScript をインストールします (npm ci --prefix $TARGET) ..."
mkdir -p "$TARGET"
cp scripts/ts_client/package.json scripts/ts_client/package-lock.json "$TARGET/"
npm ci --prefix "$TARGET" --ignore-scripts --no-audit --no-fund >/tmp/ensure_ts_client.log 2>&1 \
  || echo "TypeScript のクライアントをインストールできませんでした (/tmp/ensure_ts_client.log)。そのテストは省略されます。"
exit 0
