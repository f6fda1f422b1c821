"""Repeated failed sign-ins lock the account from that address for a while."""

import pytest
from django.conf import settings
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
