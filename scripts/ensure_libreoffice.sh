#!/usr/bin/env bash
# Make Debian's LibreOffice Calc available for the workbook tests (tests/test_excel_libreoffice.py
# converts the workbook to PDF with it, headless). Installs it when missing and we may install
# packages, with the fonts it needs to lay the workbook out as Excel does:
#   fonts-noto-cjk          Japanese text (the cells name 游ゴシック, which Debian lacks)
#   fonts-crosextra-carlito metric-compatible with Calibri, the workbook's standard font, in whose
#                           character width Excel counts column widths; without it LibreOffice
#                           measures them in DejaVu Sans, a third wider, and pages break differently
#   poppler-utils           pdftoppm, to look at the pages (docs/reports.md)
# Never fails: the tests themselves decide whether a missing LibreOffice is a skip or, in CI
# (CI=true), a failure.
set -u
SOFFICE=${LIBREOFFICE_PATH:-/usr/bin/soffice}
PACKAGES="libreoffice-calc-nogui fonts-noto-cjk fonts-crosextra-carlito poppler-utils"
if [ -x "$SOFFICE" ] && fc-list 2>/dev/null | grep -qi carlito; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "LibreOffice (または Carlito フォント) がないためインストールします (apt-get install $PACKAGES) ..."
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES; } >/tmp/ensure_libreoffice.log 2>&1 \
    || echo "LibreOffice をインストールできませんでした (/tmp/ensure_libreoffice.log)。Excel帳票の PDF のテストは省略されます。"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { sudo -n apt-get update -qq && sudo -n apt-get install -y -qq --no-install-recommends $PACKAGES; } >/tmp/ensure_libreoffice.log 2>&1 \
    || echo "LibreOffice をインストールできませんでした (/tmp/ensure_libreoffice.log)。"
else
  echo "LibreOffice がありません。Excel帳票の PDF のテストは省略されます (sudo apt-get install $PACKAGES で入ります)。"
fi
exit 0
