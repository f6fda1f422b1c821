"""Repeated failed sign-ins lock the account from that address for a while."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse


@pytest.mark.django_db
def test_after_too_many_failures_even_the_right_password_is_refused(client, council):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "giin", "password": "wrong"})
        assert response.status_code == 200
        assert "ユーザー名またはパスワードが正しくありません。" in response.content.decode()
    locked = client.post(url, {"username": "giin", "password": "wrong"})
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in locked.content.decode()
    again = client.post(url, {"username": "giin", "password": "pw-giin"})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, council):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "giin", "password": "wrong"})
    assert client.post(url, {"username": "giin", "password": "pw-giin"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "giin", "password": "wrong"}).status_code == 200


# ---- Behind the reverse proxy (docs/operations.md) ---------------------------------------------
#
# nginx connects from 127.0.0.1 and puts the visitor's address in X-Forwarded-For. The setting is
# read on every sign-in, so overriding it in a test is what TRUSTED_PROXY_COUNT=1 does.

PROXY = "127.0.0.1"
OFFICE_A = "203.0.113.10"
OFFICE_B = "198.51.100.20"


def _sign_in(client, password, *, forwarded_for, username="giin"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def _fail_until_locked(client, *, forwarded_for):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "wrong", forwarded_for=forwarded_for).status_code == 200
    assert _sign_in(client, "wrong", forwarded_for=forwarded_for).status_code == 429


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_a_lock_out_holds_only_from_the_address_that_failed(client, council):
    _fail_until_locked(client, forwarded_for=OFFICE_A)
    locked = _sign_in(client, "pw-giin", forwarded_for=OFFICE_A)
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in locked.content.decode()

    signed_in = _sign_in(client, "pw-giin", forwarded_for=OFFICE_B)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(council.pk)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_an_address_the_visitor_adds_in_front_changes_nothing(client, council):
    """With nginx's $proxy_add_x_forwarded_for the visitor's own X-Forwarded-For comes first:
    only the address nginx appended (the last one) counts, so forging the rest buys no attempts."""
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "wrong", forwarded_for=f"192.0.2.{n}, {OFFICE_A}").status_code == 200
    assert _sign_in(client, "wrong", forwarded_for=f"192.0.2.99, {OFFICE_A}").status_code == 429
    assert _sign_in(client, "pw-giin", forwarded_for=OFFICE_A).status_code == 429


@pytest.mark.django_db
def test_without_a_proxy_x_forwarded_for_is_not_believed(client, council):
    """Served directly (TRUSTED_PROXY_COUNT=0), the header is the visitor's own invention:
    a new one for each try gets no fresh count."""
    assert settings.TRUSTED_PROXY_COUNT == 0
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "wrong", forwarded_for=f"192.0.2.{n}").status_code == 200
    assert _sign_in(client, "wrong", forwarded_for="192.0.2.99").status_code == 429
    assert _sign_in(client, "pw-giin", forwarded_for="192.0.2.100").status_code == 429


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("forwarded_for", ["", "unknown", "203.0.113.10:443", "<script>"])
def test_behind_the_proxy_a_missing_or_malformed_address_falls_back_to_the_connection(
    client, council, forwarded_for
):
    """Never a 500, and never a fresh count: the proxy's own address is counted instead."""
    _fail_until_locked(client, forwarded_for=forwarded_for)
    assert _sign_in(client, "pw-giin", forwarded_for="").status_code == 429
