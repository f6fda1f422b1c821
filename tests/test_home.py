"""The home page: login first, then the plan and what the user's role can use."""

import pytest
from django.urls import reverse

from .page_text import parse

pytestmark = pytest.mark.usefixtures("seeded")


def test_an_anonymous_visitor_is_sent_to_a_japanese_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="ja">' in page
    assert "ログイン" in page and "ユーザー名" in page and "パスワード" in page


def test_a_wrong_password_gets_a_japanese_message(client, council):
    response = client.post(reverse("login"), {"username": "giin", "password": "wrong"})
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません。" in response.content.decode()


def test_after_sign_in_the_home_page_shows_the_plan_purposes_and_measures(client, council):
    response = client.post(reverse("login"), {"username": "giin", "password": "pw-giin"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "文京区官民データ活用推進計画" in page
    assert "令和元年度(2019年度)〜令和3年度(2021年度)" in page
    for code in ("ア", "イ", "ウ"):
        assert f'<span class="purpose-code">{code}</span>' in page
    assert "行政手続におけるオンライン化(電子申請)の推進" in page
    assert "カタログサイト" in page and "マイナポータル" in page
    assert "議会 次郎(議会)" in page


def test_the_secretariat_gets_a_link_to_the_admin_and_the_council_does_not(client, secretariat, council):
    client.force_login(secretariat)
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.force_login(council)
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_the_site_loads_nothing_from_outside_the_server(client, council):
    client.force_login(council)
    page = client.get("/").content.decode()
    assert "http://" not in page and "https://" not in page and "//cdn" not in page


def _facts(page) -> dict[str, str]:
    facts = parse(page).find("dl", cls="facts")
    terms = [e.text for e in facts.find_all("dt")]
    return dict(zip(terms, [e.text for e in facts.find_all("dd")], strict=True))


def test_the_seed_plan_is_being_drafted(client, council):
    client.force_login(council)
    facts = _facts(client.get("/").content.decode())
    assert facts["策定状況"] == "策定中"
    assert "策定日" not in facts


def test_the_demo_plan_is_adopted_with_its_date(client, council, demo):
    client.force_login(council)
    facts = _facts(client.get("/").content.decode())
    assert facts["策定状況"] == "策定済"
    assert facts["策定日"] == "平成31年3月29日(2019年3月29日)"
