"""A calendar subscription URL stops working when its user's access changes: a new password (on any
path), a deactivated account, a role taken away. The person finds the new URL on 「カレンダーの購読」.

A save that changes none of these (signing in, a new name, a password re-hashed at sign-in)
leaves the URL working.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bunkyo import roles
from schedule.feeds import feed_token
from schedule.models import CalendarFeedKey

FEED = reverse("schedule:calendar_feed")
SUBSCRIPTION = reverse("schedule:calendar_subscription")
REFUSED = "カレンダーを表示できません。購読URLが正しくないか、リセットされて使えなくなっています。"
NEW_PASSWORD = "Kasuga-1-16-21"

pytestmark = pytest.mark.usefixtures("seeded")


def _subscribe(user) -> str:
    """The user issues a subscription URL on their page; its token."""
    client = Client()
    client.force_login(user)
    assert client.post(SUBSCRIPTION).status_code == 302
    return feed_token(CalendarFeedKey.objects.get(user=user))


def _opens(token: str) -> bool:
    """What a calendar app gets from the URL: the feed, or the refusal every unknown token gets."""
    response = Client().get(FEED, {"token": token})
    if response.status_code == 200:
        return True
    assert response.status_code == 403
    assert response.content.decode().startswith(REFUSED)
    return False


def _admin_form(page: str) -> dict:
    """The values a browser sends back from an admin change page as loaded (checked boxes too)."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag or 'type="radio"' in tag:
            if "checked" in tag:
                value = re.search(r'value="([^"]*)"', tag)
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for attrs, body in re.findall(r"<select([^>]*)>(.*?)</select>", page, re.S):
        name = re.search(r'name="([^"]+)"', attrs).group(1)
        data[name] = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = body.strip("\n")
    data.pop("csrfmiddlewaretoken", None)
    return data


def _post_user_change(superuser, user, **changes):
    client = Client()
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = client.post(url, {**_admin_form(client.get(url).content.decode()), **changes})
    assert response.status_code == 302, response.content.decode()[:2000]


def _the_page_shows_the_new_url(user, old: str) -> None:
    user.refresh_from_db()  # signed in with the password it has now
    client = Client()
    client.force_login(user)
    response = client.get(SUBSCRIPTION)
    assert response.status_code == 200
    page = response.content.decode()
    new = feed_token(CalendarFeedKey.objects.get(user=user))
    assert new != old
    assert f"http://testserver/schedule/calendar.ics?token={new}" in page
    assert old not in page
    assert "パスワードを変更したとき、アカウントが無効になったとき、役割(グループ)から外れたときは" in page
    assert _opens(new)


# ---- A new password, on every path --------------------------------------------------------------


def test_changing_ones_own_password_ends_the_old_url(secretariat):
    old = _subscribe(secretariat)
    client = Client()
    client.force_login(secretariat)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": "pw-jimu", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not _opens(old)
    _the_page_shows_the_new_url(secretariat, old)


def test_the_administrator_setting_a_password_ends_the_old_url(superuser, council):
    old = _subscribe(council)
    client = Client()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[council.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not _opens(old)
    _the_page_shows_the_new_url(council, old)


def test_the_administrator_disabling_the_password_ends_the_old_url(superuser, council):
    old = _subscribe(council)
    client = Client()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[council.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    council.refresh_from_db()
    assert not council.has_usable_password()
    assert not _opens(old)


def test_set_password_and_save_ends_the_old_url(council):
    old = _subscribe(council)
    council.set_password(NEW_PASSWORD)
    council.save()
    assert not _opens(old)
    _the_page_shows_the_new_url(council, old)


def test_the_changepassword_command_ends_the_old_url(council, monkeypatch):
    old = _subscribe(council)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", council.username, stdout=StringIO())
    council.refresh_from_db()
    assert council.check_password(NEW_PASSWORD)
    assert not _opens(old)


# ---- A deactivated account, a role taken away ----------------------------------------------------


def test_deactivating_ends_the_old_url_for_good(council):
    old = _subscribe(council)
    council.is_active = False
    council.save()
    assert not _opens(old)
    council.is_active = True
    council.save()
    assert not _opens(old), "reactivated, the account needs a new URL"
    _the_page_shows_the_new_url(council, old)


def test_deactivating_in_the_admin_ends_the_old_url(superuser, council):
    old = _subscribe(council)
    _post_user_change(superuser, council, is_active=[])
    council.refresh_from_db()
    assert not council.is_active
    assert not _opens(old)


def test_leaving_every_group_ends_the_old_url(council):
    old = _subscribe(council)
    council.groups.clear()
    assert not _opens(old)
    council.groups.add(Group.objects.get(name=roles.COUNCIL))
    assert not _opens(old), "back in a role, the account needs a new URL"
    _the_page_shows_the_new_url(council, old)


@pytest.mark.parametrize(
    "take_away",
    [
        pytest.param(lambda user, group: user.groups.remove(group), id="user.groups.remove"),
        pytest.param(lambda user, group: group.user_set.remove(user), id="group.user_set.remove"),
        pytest.param(lambda user, group: group.user_set.clear(), id="group.user_set.clear"),
        pytest.param(lambda user, group: user.groups.set([]), id="user.groups.set"),
        pytest.param(lambda user, group: group.delete(), id="the group deleted"),
    ],
)
def test_leaving_the_last_group_by_any_path_ends_the_old_url(council, take_away):
    old = _subscribe(council)
    take_away(council, Group.objects.get(name=roles.COUNCIL))
    assert not council.groups.exists()
    assert not _opens(old)


def test_leaving_every_group_in_the_admin_ends_the_old_url(superuser, council):
    old = _subscribe(council)
    _post_user_change(superuser, council, groups=[])
    assert not council.groups.exists()
    assert not _opens(old)


def test_another_users_url_is_untouched(council, manager):
    councils = _subscribe(council)
    managers = _subscribe(manager)
    council.set_password(NEW_PASSWORD)
    council.save()
    council.groups.clear()
    assert not _opens(councils)
    assert _opens(managers)


# ---- What does not change access leaves the URL working -----------------------------------------


def test_signing_in_leaves_the_url_working(client, council):
    token = _subscribe(council)
    response = client.post(reverse("login"), {"username": "giin", "password": "pw-giin"})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.last_login is not None
    assert _opens(token)


def test_a_password_rehashed_at_sign_in_leaves_the_url_working(client, council, settings):
    """A new Django re-hashes a password at the next sign-in (a stronger hasher): the same
    password, so the same URL."""
    token = _subscribe(council)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    stored = council.password
    response = client.post(reverse("login"), {"username": "giin", "password": "pw-giin"})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.password != stored and council.password.startswith("pbkdf2_sha256$")
    assert _opens(token)


def test_other_changes_in_the_admin_leave_the_url_working(superuser, council):
    token = _subscribe(council)
    _post_user_change(superuser, council, last_name="議会 三郎", email="giin@example.lg.jp")
    council.refresh_from_db()
    assert council.last_name == "議会 三郎"
    assert _opens(token)


def test_a_role_added_leaves_the_url_working(council):
    token = _subscribe(council)
    council.groups.add(Group.objects.get(name=roles.MANAGERS))
    council.save()
    assert _opens(token)


def test_a_user_without_a_url_gets_none(council):
    council.set_password(NEW_PASSWORD)
    council.is_active = False
    council.save()
    council.groups.clear()
    assert not CalendarFeedKey.objects.filter(user=council).exists()
