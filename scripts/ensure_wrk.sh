#!/usr/bin/env bash
# make bench drives gunicorn with Debian's wrk. Installs it when missing and we may install packages.
set -u
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "wrk がないためインストールします (apt-get install wrk) ..."
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk; } >/tmp/ensure_wrk.log 2>&1 \
    || { echo "wrk をインストールできませんでした (/tmp/ensure_wrk.log)。"; exit 1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq --no-install-recommends wrk; } >/tmp/ensure_wrk.log 2>&1 \
    || { echo "wrk をインストールできませんでした (/tmp/ensure_wrk.log)。"; exit 1; }
else
  echo "wrk がありません (sudo apt-get install wrk で入ります)。"
  exit 1
fi
