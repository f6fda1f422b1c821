"""Every admin page answers the secretariat, and keeps the other roles out."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("demo")


def _registered_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in ("measures", "schedule")),
        key=lambda m: m._meta.label,
    )


def _admin_urls():
    for model in _registered_models():
        opts = model._meta
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the demo data has no {opts.label}"
        yield opts.label, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        yield opts.label, reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        yield opts.label, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def test_every_model_of_both_apps_is_registered():
    from django.apps import apps

    models = [
        m
        for app in ("measures", "schedule")
        for m in apps.get_app_config(app).get_models()
        if not m.__name__.startswith("Historical")  # shown from each object's 変更履歴 button
        # A user's own key to the calendar feed, reset by that user on /schedule/calendar/: a
        # credential, not data the secretariat keeps.
        and m.__name__ != "CalendarFeedKey"
    ]
    assert set(models) == set(_registered_models())


def test_every_admin_page_answers_200_for_the_secretariat(client, secretariat):
    client.force_login(secretariat)
    for label, url in _admin_urls():
        response = client.get(url)
        assert response.status_code == 200, f"{label} {url}"


@pytest.mark.parametrize("persona", ["council", "manager"])
def test_read_only_roles_never_reach_the_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for label, url in _admin_urls():
        response = client.get(url)
        assert response.status_code == 302, f"{label} {url}"
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    for _, url in _admin_urls():
        assert client.get(url).status_code == 302


def test_admin_speaks_japanese_with_the_site_header(client, secretariat):
    client.force_login(secretariat)
    page = client.get(reverse("admin:index")).content.decode()
    assert "文京区官民データ活用推進計画 進捗管理" in page
    assert "施策" in page and "進捗報告" in page and "会議・報告の予定" in page
    assert "計画・施策・進捗" in page and "策定スケジュール" in page  # the apps' own headings
    assert ">Measures<" not in page and ">Schedule<" not in page


def test_every_admin_has_list_display_filters_search_and_ordering():
    for model in _registered_models():
        model_admin = admin.site._registry[model]
        assert model_admin.list_display != ("__str__",), model
        assert model_admin.list_filter, model
        assert model_admin.search_fields, model
        assert model_admin.ordering, model


# Session, user, two permission look-ups, the filter sidebar (plan, purpose, department,
# keyword, technology), two counts, the measures, the user's groups for the header, and the
# page's progress rows (measure_progress_rows, the same read as the workbook and the printed
# pages: purposes, statuses, grades, measures, departments, keywords, targets, reports).
MEASURE_LIST_QUERIES = 21


def test_measure_list_shows_each_years_status_without_a_query_per_row(
    client, secretariat, django_assert_num_queries
):
    client.force_login(secretariat)
    url = reverse("admin:measures_measure_changelist")
    with django_assert_num_queries(MEASURE_LIST_QUERIES):
        page = client.get(url).content.decode()
    # Today (2026) is after the plan: every year shows its final report.
    assert "令和元年度(2019年度): ◎ 完了 100%" in page
    assert "令和3年度(2021年度):" in page
    from tests.factories import make_measure, seed_plan

    plan = seed_plan()
    for n in range(6, 26):
        make_measure(plan=plan, number=n, title=f"追加施策{n}", departments=["情報政策課"])
    with django_assert_num_queries(MEASURE_LIST_QUERIES):
        page = client.get(url).content.decode()
    assert "追加施策25" in page


def test_a_measure_page_with_many_reports_makes_no_query_per_report(
    client, secretariat, django_assert_num_queries
):
    from datetime import date

    from measures.models import Measure
    from tests.factories import add_report

    from .conftest import count_queries

    client.force_login(secretariat)
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    few = count_queries(client, url)
    for day in range(1, 11):
        add_report(measure, 2021, date(2021, 5, day))
    with django_assert_num_queries(few):
        page = client.get(url).content.decode()
    assert page.count('href="/admin/measures/progressreport/') > 10  # one link per report


def test_the_admin_menu_follows_the_secretariats_work(client, secretariat):
    from .page_text import parse

    client.force_login(secretariat)
    page = parse(client.get(reverse("admin:index")).content.decode())
    content = next(div for div in page.find_all("div") if div.attrs.get("id") == "content-main")
    sections = [caption.text for caption in content.find_all("caption")]
    models = [th.text for th in content.find_all("th", scope="row")]
    assert sections[:3] == ["計画・施策・進捗", "策定スケジュール", "設定(所管課・キーワード・評価基準など)"]
    assert models[:3] == ["施策", "進捗報告", "進捗のExcel取込"]
    assert models.index("会議・報告の予定") < models.index("所管課")
    assert models[-6:] == [
        "所管課",
        "施策のキーワード",
        "使用するテクノロジー等",
        "進捗状況",
        "評価基準",
        "評価区分",
    ]
    assert len(models) == len(set(models)), "no model is listed twice"


def test_the_admin_speaks_natural_japanese_on_its_list_and_form_pages(client, secretariat):
    from measures.models import Measure

    client.force_login(secretariat)
    listing = client.get(reverse("admin:measures_measure_changelist")).content.decode()
    assert "<h1>施策の一覧</h1>" in listing and "変更する 施策 を選択" not in listing
    assert "施策を追加" in listing
    change = client.get(
        reverse("admin:measures_measure_change", args=[Measure.objects.first().pk])
    ).content.decode()
    assert "<h1>施策を変更</h1>" in change
    assert "<h1>施策を追加</h1>" in client.get(reverse("admin:measures_measure_add")).content.decode()


@pytest.mark.parametrize("role", ["manager", "council"])
def test_a_manager_or_council_member_who_opens_the_admin_is_told_it_is_the_secretariats(
    client, role, request
):
    from .page_text import parse

    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    text = parse(response.content.decode()).text
    assert "管理サイトは事務局用です" in text
    assert "として認証されましたが" not in text
    assert reverse("home") in response.content.decode()


def test_the_user_list_shows_each_persons_department(client, superuser, secretariat):
    from bunkyo.models import StaffProfile

    StaffProfile.objects.create(user=secretariat, affiliation="情報政策課")
    client.force_login(superuser)
    from .page_text import parse

    page = parse(client.get(reverse("admin:auth_user_changelist")).content)
    row = next(r for r in page.find_all("tr") if "jimu" in r.text)
    assert "情報政策課" in row.text and "事務局 太郎" in row.text


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("object_id", ["99999", "abc"])
def test_an_unknown_id_in_an_admin_url_is_a_404_page_not_a_redirect(client, secretariat, view, object_id):
    client.force_login(secretariat)
    for model in _registered_models():
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[object_id])
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert "ページが見つかりません" in response.content.decode(), url
