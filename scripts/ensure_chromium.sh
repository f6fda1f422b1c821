#!/usr/bin/env bash
# Make Debian's Chromium available for the printing tests (Playwright drives /usr/bin/chromium;
# nothing downloads a browser of its own). Installs it when missing and we may install packages.
# Never fails: the browser tests themselves decide whether a missing browser is a skip or,
# in CI (CI=true), a failure.
set -u
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium がないためインストールします (apt-get install chromium fonts-noto-cjk) ..."
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; } >/tmp/ensure_chromium.log 2>&1 \
    || echo "Chromium をインストールできませんでした (/tmp/ensure_chromium.log)。ブラウザのテストは省略されます。"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; } >/tmp/ensure_chromium.log 2>&1 \
    || echo "Chromium をインストールできませんでした (/tmp/ensure_chromium.log)。"
else
  echo "Chromium がありません。ブラウザのテストは省略されます (sudo apt-get install chromium fonts-noto-cjk で入ります)。"
fi
exit 0
