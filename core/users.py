"""How a person's name is shown: one rule for every page, sheet, history entry and message."""

from __future__ import annotations


def display_name_of(*, username: str, last_name: str = "", first_name: str = "") -> str:
    """姓 名 in Japanese order (山田 太郎), or the user name when neither is recorded.

    For rows read as plain values (the Excel streams); display_name() is the same rule for a user.
    """
    return " ".join(part for part in ((last_name or "").strip(), (first_name or "").strip()) if part) or (
        username or ""
    )


def display_name(user) -> str:
    """A user's name as every page shows it: 姓 名, falling back to the user name; "" for no user."""
    if user is None:
        return ""
    return display_name_of(username=user.username, last_name=user.last_name, first_name=user.first_name)
