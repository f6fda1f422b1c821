"""Render one printed page of the council report as a PNG for the README (docs/print-sample.png).

Run against a server started with `make run` (demo data and accounts):

    .venv/bin/python scripts/print_sample.py                # page 1 → docs/print-sample.png
    .venv/bin/python scripts/print_sample.py --page 2 --out /tmp/purpose.png

Chromium prints the page exactly as the browser test does; pdftoppm (poppler-utils) turns the
chosen PDF page into a PNG.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--path", default="/reports/print/?as_of=2022-03-31")
    parser.add_argument("--username", default="gikai")
    parser.add_argument("--password", default="demo-gikai")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", default="docs/print-sample.png")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        print("pdftoppm がありません (apt-get install poppler-utils)。", file=sys.stderr)
        return 1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=LAUNCH_ARGS)
        page = browser.new_page(locale="ja-JP")
        page.goto(args.base_url + "/accounts/login/")
        page.fill("#id_username", args.username)
        page.fill("#id_password", args.password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        response = page.goto(args.base_url + args.path)
        if response.status != 200:
            print(f"{args.path} が {response.status} を返しました。", file=sys.stderr)
            return 1
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        browser.close()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.pdf"
        source.write_bytes(pdf)
        stem = Path(tmp) / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(args.dpi),
                "-f",
                str(args.page),
                "-l",
                str(args.page),
                "-singlefile",
                source,
                stem,
            ],
            check=True,
        )
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), args.out)
    print(f"{args.out} に保存しました。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
