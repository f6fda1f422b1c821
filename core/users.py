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


def affiliation(user) -> str:
    """The user's 所属 (情報政策課), or "" when none is recorded.

    The project keeps it on ``user.staff_profile.affiliation`` (bunkyo.models.StaffProfile);
    core reads only that name, so it imports no app.
    """
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return (getattr(profile, "affiliation", "") or "").strip()


def display_name_with_affiliation(user) -> str:
    """情報政策課 山田 太郎: who did something, as a message to a colleague names them (no さん)."""
    return " ".join(part for part in (affiliation(user), display_name(user)) if part)
