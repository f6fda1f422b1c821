"""Where the browser tests save what they saw: one PNG per page of a flow, at 1280×800.

By default into build/screenshots/ (ignored by git), for looking at after a run. `make
screenshots` runs the same tests with SCREENSHOT_DIR=docs/screenshots, which refreshes the
pictures in docs/admin.md from the screens as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def screenshot_dir() -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "build" / "screenshots")
    if not directory.is_absolute():
        directory = ROOT / directory
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def save_screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save the page as ``name``.png; the whole page when full_page, else the 1280×800 window."""
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
