"""Every refusal of the API, as a client receives it: one body, ``{"detail": …}``, with ``errors``
by parameter or field on a 400 and ``conflicts`` on a 409, and every text in Japanese
(docs/api.md, "Errors"; issue 22)."""

from __future__ import annotations

from datetime import date

import pytest

from measures.models import Measure, ProgressReport

from .factories import add_report, seed_plan

INVALID = "入力に誤りがあります。項目ごとの理由は errors にあります。"


@pytest.fixture
def published(demo):
    plan = seed_plan()
    plan.published = True
    plan.save()
    return plan


def test_an_unknown_id_is_a_404_naming_what_was_not_found(client, published):
    assert client.get("/api/measures/99999/").json() == {"detail": "指定の施策は見つかりません。"}
    assert client.get("/api/plans/99999/").json() == {"detail": "指定の計画は見つかりません。"}
    assert client.get("/api/scheduled-items/abc/").json() == {
        "detail": "指定の会議・報告の予定は見つかりません。"
    }


def test_a_withdrawal_of_an_unknown_report_is_a_404_in_japanese(client, published, secretariat):
    client.force_login(secretariat)
    response = client.post("/api/progress-reports/99999/withdraw/", {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "指定の進捗報告は見つかりません。"}


def test_a_bad_filter_is_a_400_with_the_reason_by_parameter(client, published):
    response = client.get("/api/plans/?published=yes&page_size=0")
    assert response.status_code == 400
    assert response.json() == {
        "detail": INVALID,
        "errors": {"published": ["true または false を指定してください。"]},
    }
    response = client.get("/api/plans/?page_size=0")
    assert response.json() == {
        "detail": INVALID,
        "errors": {"page_size": ["page_size は1から500までの整数で指定してください。"]},
    }


def test_a_tampered_cursor_is_a_400_in_japanese(client, published):
    response = client.get("/api/progress-reports/?cursor=zzz")
    assert response.json() == {
        "detail": INVALID,
        "errors": {
            "cursor": ["cursor が正しくありません。一覧の next / previous の値をそのまま使ってください。"]
        },
    }


def test_a_visitors_write_is_refused_in_japanese(client, published):
    response = client.post("/api/progress-reports/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "認証情報が含まれていません。"}


def test_a_bad_token_is_refused_in_japanese(client, published):
    response = client.get("/api/plans/", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 403
    assert response.json() == {"detail": "不正なトークンです。"}


def test_a_role_without_the_permission_is_refused_in_japanese(client, published, manager):
    client.force_login(manager)
    response = client.post("/api/progress-reports/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "このアクションを実行する権限がありません。"}


def test_a_method_the_api_does_not_take_is_a_405_in_japanese(client, published, secretariat):
    client.force_login(secretariat)
    response = client.delete("/api/plans/1/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'メソッド "DELETE" は許されていません。'}


def test_a_body_that_is_not_json_is_refused_in_japanese(client, published, secretariat):
    client.force_login(secretariat)
    response = client.post(
        "/api/progress-reports/", "measure=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json() == {
        "detail": 'リクエストのメディアタイプ "application/x-www-form-urlencoded" はサポートされていません。'
    }
    response = client.post("/api/progress-reports/", "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "リクエストの本文を JSON として読み取れません。"}


def test_a_refused_write_names_each_field_in_japanese(client, published, secretariat):
    client.force_login(secretariat)
    response = client.post("/api/progress-reports/", {"fiscal_year": 2021}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == INVALID
    assert body["errors"]["measure"] == ["この項目は必須です。"]


def test_a_stale_withdrawal_is_a_409_with_the_message(client, published, secretariat):
    client.force_login(secretariat)
    measure = Measure.objects.get(plan=published, number=1)
    report = add_report(measure, 2021, date(2021, 12, 1), author=secretariat)
    ProgressReport.objects.filter(pk=report.pk).update(version=3)
    response = client.post(
        f"/api/progress-reports/{report.pk}/withdraw/",
        {"withdrawn_on": "2021-12-02", "withdrawal_reason": "誤り", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail"}
    assert "先に変更したため保存できませんでした" in body["detail"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/measures/1.5/"),  # an id the router's pattern does not take
        ("post", "/api/progress-reports/1.5/withdraw/"),
        ("get", "/api/no-such-list/"),
    ],
)
def test_an_address_under_the_api_that_names_nothing_is_a_404_in_the_apis_own_body(
    client, published, method, path
):
    """A client of the API reads every error as the Error body (JSON, ``detail``), not the site's HTML
    page, even when the address matches no route at all (schemathesis found it with an id 1.5)."""
    response = getattr(client, method)(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "指定のURLのAPIはありません。/api/ に一覧があります。"}


def test_a_page_outside_the_api_that_names_nothing_is_still_the_sites_404_page(client, published):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
