"""The plan's progress for residents: the public pages of a published plan, read without signing in.

A resident opens the plan's page, reads the counts, the chart and the legend, finds measures by
filters that work without JavaScript, downloads exactly the list they see, and opens a measure.
What the pages say is the council report's: the same latest standing report, the same legend.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import AnnualTarget, Department, Measure, Plan
from measures.services import progress_report_withdraw
from opendata.datasets import MEASURE_YEARS

from .factories import add_report, add_target, make_measure, make_plan
from .page_text import parse


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def published(demo) -> Plan:
    """The ward's plan with its demo progress, marked 公開 (load_plan --demo marks it)."""
    plan = Plan.objects.get()
    Plan.objects.filter(pk=plan.pk).update(published=True)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def unpublished(published) -> Plan:
    """A second plan beside it, not marked 公開, with a measure, a department and a report of its own."""
    plan = make_plan(name="次期の非公開計画", first=2022, last=2024)
    measure = make_measure(plan=plan, number=1, title="非公開の施策", departments=["非公開課"])
    add_target(measure, 2022, 10)
    add_report(measure, 2022, date(2022, 9, 30), actual=5, narrative="非公開の取組")
    return plan


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse(response.content.decode())


def test_a_resident_reads_the_plans_progress_without_signing_in(client, published):
    text = page(client, f"/plans/{published.pk}/").text
    assert "文京区官民データ活用推進計画" in text
    assert "令和元年度(2019年度)〜令和3年度(2021年度)" in text
    # The plan has ended: the 基準日 is its last day (or its last report's), as in the council report.
    assert "基準日 令和4年3月31日(2022年3月31日)" in text
    assert "最新の進捗報告 令和4年3月31日(2022年3月31日)" in text
    for heading in (
        "ア 官民のデータを活用しながら",
        "イ 時代に即した便利な区民サービス",
        "ウ 質の高い行政サービス",
    ):
        assert heading in text
    assert "評価別の施策数(ア)" in text and "進捗状況別の施策数(ア)" in text
    # The legend, worded as the council report words it (measures.legend).
    assert "B おおむね達成(達成率80%以上100%未満)" in text
    assert "実績値を目標値で割って100を掛けたもの" in text
    # The same chart as the council report, with its text alternative.
    chart = parse(client.get(f"/plans/{published.pk}/").content.decode()).find("figure", cls="grade-chart")
    assert chart.find("svg", cls="chart-bars").attrs["aria-label"].startswith("計画の目的アの評価の内訳")
    links = {
        a.attrs["href"] for a in parse(client.get(f"/plans/{published.pk}/").content.decode()).find_all("a")
    }
    assert {"/opendata/", "/opendata/catalog.jsonld", f"/api/plans/{published.pk}/"} <= links


def test_the_counts_are_the_council_reports(client, published, council):
    """The purpose ウ counts on the public page equal the council report's for the same plan."""
    tree = page(client, f"/plans/{published.pk}/")
    table = next(t for t in tree.find_all("table") if "評価別の施策数(ウ)" in t.text)
    rows = [[cell.text for cell in row.find_all("td")] for row in table.find("tbody").find_all("tr")]
    assert rows == [
        ["1", "1", "1", "0", "0", "0", "3"],
        ["1", "2", "0", "0", "0", "0", "3"],
        ["2", "1", "0", "0", "0", "0", "3"],
    ]
    client.force_login(council)
    printed = parse(client.get(reverse("reports:print")).content.decode()).text
    assert "ウ 質の高い行政サービス" in printed


def test_a_measures_page_shows_what_it_is_and_each_years_figures(client, published):
    text = page(client, f"/plans/{published.pk}/measures/1/").text
    assert "施策1 行政手続におけるオンライン化(電子申請)の推進" in text
    assert "計画の目的 イ" in text
    assert "所管課 情報政策課" in text
    assert "電子申請対応手続数(件)" in text
    assert "目標値 50件" in text
    assert "実績値 52件" in text  # FY2019's latest standing report (2020-03-31)
    assert "達成率 104.0%" in text
    assert "評価 A 目標達成" in text
    assert "進捗率 100%" in text
    # The latest standing report speaks for the measure: 取組実績, 課題, 今後の方向性.
    assert "報告基準日 令和4年3月31日(2022年3月31日)の進捗報告です。" in text
    assert "113手続となった" in text
    tree = page(client, f"/plans/{published.pk}/measures/1/")
    progress = tree.find("progress")
    assert progress.attrs["max"] == "100" and progress.attrs["aria-label"].startswith("進捗率 ")


def test_withdrawn_reports_and_staff_names_never_appear(client, published, secretariat):
    measure = Measure.objects.get(plan=published, number=1)
    kept = add_report(
        measure, 2021, date(2022, 4, 10), actual=120, narrative="正しい最終報告", author=secretariat
    )
    wrong = add_report(
        measure, 2021, date(2022, 4, 20), actual=1, narrative="誤って登録した報告", author=secretariat
    )
    progress_report_withdraw(
        report=wrong,
        withdrawn_on=date(2022, 4, 21),
        reason="入力誤りのため",
        by=secretariat,
        loaded_version=wrong.version,
    )
    secretariat.last_name, secretariat.first_name = "山田", "太郎"
    secretariat.save()
    urls = [
        f"/plans/{published.pk}/",
        f"/plans/{published.pk}/measures/1/",
        f"/plans/{published.pk}/measures.csv",
        f"/plans/{published.pk}/measures.json",
    ]
    texts = {url: body(client.get(url)).decode("utf-8-sig") for url in urls}
    assert "正しい最終報告" in texts[f"/plans/{published.pk}/measures/1/"]
    assert str(kept.pk) in texts[f"/plans/{published.pk}/measures.csv"]
    for url, text in texts.items():
        for never in ("誤って登録した報告", "入力誤りのため", "山田", "太郎", secretariat.username):
            assert never not in text, f"{never} in {url}"


def test_filters_combine_work_without_javascript_and_keep_a_shareable_address(client, published):
    tree = page(client, f"/plans/{published.pk}/?purpose=ウ&fiscal_year=2021&grade=A")
    titles = [h.text for h in tree.find("ul", cls="measure-list").find_all("h3")]
    assert titles == [
        "施策3 マイナンバーカードの普及・活用",
        "施策5 既存システムのクラウド化(耐障害性・業務継続性の向上)",
    ]
    assert "2件(全5件):計画の目的「ウ" in tree.text
    # The form is a plain GET form: the choices stay selected.
    form = tree.find("form", cls="public-filter")
    assert form.attrs["method"] == "get"
    selected = {
        s.attrs["name"]: o.attrs["value"]
        for s in form.find_all("select")
        for o in s.find_all("option")
        if "selected" in o.attrs
    }
    assert selected["purpose"] == "ウ" and selected["fiscal_year"] == "2021" and selected["grade"] == "A"
    # Only the chosen year is shown.
    assert "令和2年度(2020年度)" not in tree.find("ul", cls="measure-list").text
    by_department = page(client, f"/plans/{published.pk}/?department=戸籍住民課")
    assert [h.text for h in by_department.find("ul", cls="measure-list").find_all("h3")] == [
        "施策3 マイナンバーカードの普及・活用"
    ]
    by_keyword = page(client, f"/plans/{published.pk}/?keyword=オープンデータ")
    assert "施策2 オープンデータ活用の推進" in by_keyword.find("ul", cls="measure-list").text
    by_status = page(client, f"/plans/{published.pk}/?status=遅延&fiscal_year=2021")
    assert "施策1 行政手続" in by_status.find("ul", cls="measure-list").text
    none = page(client, f"/plans/{published.pk}/?status=中止")
    assert "条件に当てはまる施策はありません。" in none.text


def test_a_value_of_another_plan_is_refused_as_a_value_that_does_not_exist(client, published, unpublished):
    secret = client.get(f"/plans/{published.pk}/?department=非公開課")
    unknown = client.get(f"/plans/{published.pk}/?department=存在しない課")
    assert secret.status_code == unknown.status_code == 400
    assert "「非公開課」は選べません。一覧から選んでください。" in secret.content.decode()
    assert "非公開課" not in [
        o.text for o in parse(secret.content.decode()).find("select", name="department").find_all("option")
    ]
    assert secret.content.decode().replace("非公開課", "X") == unknown.content.decode().replace(
        "存在しない課", "X"
    )
    assert client.get(f"/plans/{published.pk}/?fiscal_year=2099").status_code == 400
    assert client.get(f"/plans/{published.pk}/measures.csv?grade=Z").status_code == 400


def test_the_lists_csv_and_json_hold_exactly_the_measures_and_years_shown(client, published):
    query = "purpose=ウ&fiscal_year=2021&grade=A"
    tree = page(client, f"/plans/{published.pk}/?{query}")
    shown = [
        h.text.split(" ")[0].removeprefix("施策") for h in tree.find("ul", cls="measure-list").find_all("h3")
    ]
    links = {a.text: a.attrs["href"] for a in tree.find("p", cls="downloads").find_all("a")}
    assert links["CSV"] == f"/plans/{published.pk}/measures.csv?purpose=%E3%82%A6&grade=A&fiscal_year=2021"
    rows = list(csv.reader(io.StringIO(body(client.get(links["CSV"])).decode("utf-8-sig"), newline="")))
    assert rows[0] == [column.name for column in MEASURE_YEARS.columns]
    number = rows[0].index("施策番号")
    year = rows[0].index("年度")
    assert sorted(row[number] for row in rows[1:]) == sorted(shown)
    assert {row[year] for row in rows[1:]} == {"2021"}
    document = json.loads(body(client.get(links["JSON"])))
    assert [c["name"] for c in document["metadata"]["columns"]] == rows[0]
    filters = document["metadata"]["filters"]
    assert filters["評価"] == "目標達成(達成率100%以上)" and filters["年度"] == "令和3年度(2021年度)"
    assert filters["計画の目的"].startswith("ウ 質の高い行政サービス")
    assert len(document["data"]) == len(rows) - 1


def test_a_revised_target_shows_its_first_value_beside_the_current_one(client, published):
    measure = Measure.objects.get(plan=published, number=1)
    target = AnnualTarget.objects.get(measure=measure, fiscal_year=2021)
    first = target.target_value
    target.target_value = first + Decimal(20)
    target.save()
    text = page(client, f"/plans/{published.pk}/measures/1/").text
    assert f"当初の目標値 {first:.0f}件から変更" in text
    assert (
        f"目標値を変更({first:.0f} → {first + 20:.0f}件)"
        in page(client, f"/plans/{published.pk}/?purpose=イ").text
    )


def test_the_page_is_the_same_for_a_signed_in_member_of_staff(client, published, secretariat):
    anonymous = client.get(f"/plans/{published.pk}/")
    client.force_login(secretariat)
    signed_in = client.get(f"/plans/{published.pk}/")
    assert signed_in.content == anonymous.content
    assert "Cookie" not in signed_in.get("Vary", "")
    assert "csrfmiddlewaretoken" not in signed_in.content.decode()


# ---- Nothing unpublished leaks ---------------------------------------------------------------------

PUBLIC_PATHS = (
    "/",
    "/measures/1/",
    "/schedule/",
    "/measures.csv",
    "/measures.json",
    "/measures.csv?purpose=ア",
)


@pytest.mark.parametrize("tail", PUBLIC_PATHS)
def test_an_unpublished_plan_answers_exactly_as_one_that_does_not_exist(client, published, unpublished, tail):
    assert client.get(f"/plans/{published.pk}{tail}").status_code == 200
    hidden = client.get(f"/plans/{unpublished.pk}{tail}")
    missing = client.get(f"/plans/999999{tail}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert "public" not in hidden.get("Cache-Control", "")  # a withdrawn page is kept nowhere
    assert "非公開" not in hidden.content.decode()


def test_no_page_link_or_sitemap_names_an_unpublished_plan(client, published, unpublished):
    texts = [
        body(client.get(url)).decode("utf-8-sig")
        for url in [
            "/plans/",
            f"/plans/{published.pk}/",
            f"/plans/{published.pk}/measures.csv",
            f"/plans/{published.pk}/measures.json",
            f"/plans/{published.pk}/schedule/",
            "/sitemap.xml",
        ]
    ]
    for text in texts:
        for never in (
            "次期の非公開計画",
            "非公開の施策",
            "非公開課",
            "非公開の取組",
            f"/plans/{unpublished.pk}/",
        ):
            assert never not in text
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://127.0.0.1:8000/plans/{published.pk}/measures/5/</loc>" in sitemap


def test_unmarking_a_plan_withdraws_every_page_at_once(client, published):
    urls = [f"/plans/{published.pk}{tail}" for tail in PUBLIC_PATHS]
    assert all(client.get(url).status_code == 200 for url in urls)
    Plan.objects.filter(pk=published.pk).update(published=False)
    assert all(client.get(url).status_code == 404 for url in urls)
    assert f"/plans/{published.pk}/" not in client.get("/sitemap.xml").content.decode()
    assert "現在、公開している計画はありません。" in client.get("/plans/").content.decode()


# ---- Conditional GET -------------------------------------------------------------------------------


def test_a_public_page_answers_304_until_its_data_changes(client, published, secretariat):
    url = f"/plans/{published.pk}/"
    first = client.get(url)
    assert first["Cache-Control"] == "public, max-age=60"
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "public, max-age=60"
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304

    # A new report changes the page: a new ETag, a full answer.
    measure = Measure.objects.get(plan=published, number=1)
    report = add_report(measure, 2021, date(2022, 3, 30), actual=120)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    # So does its withdrawal.
    etag = changed["ETag"]
    report.refresh_from_db()
    progress_report_withdraw(
        report=report,
        withdrawn_on=date(2022, 4, 1),
        reason="誤り",
        by=secretariat,
        loaded_version=report.version,
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_schedule_page_changes_with_the_schedule(client, published):
    from schedule.models import ScheduledItem

    url = f"/plans/{published.pk}/schedule/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    item = ScheduledItem.objects.order_by("pk").first()
    item.subject = "議題を追記"
    item.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_measure_page_changes_when_a_department_is_renamed(client, published):
    url = f"/plans/{published.pk}/measures/1/"
    etag = client.get(url)["ETag"]
    department = Department.objects.get(name="情報政策課")
    department.name = "デジタル推進課"
    department.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "デジタル推進課" in response.content.decode()


# ---- Found and shared -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/plans/",
        "/plans/{pk}/",
        "/plans/{pk}/measures/1/",
        "/plans/{pk}/schedule/",
        "/accessibility/",
        "/accessibility/results/",
    ],
)
def test_every_page_has_a_title_a_description_and_open_graph_tags(client, published, path):
    tree = page(client, path.format(pk=published.pk))
    assert tree.find("html").attrs["lang"] == "ja"
    assert tree.find("title").text.endswith("| 文京区官民データ活用推進計画の進捗")
    metas = {
        m.attrs.get("name") or m.attrs.get("property"): m.attrs.get("content", "")
        for m in tree.find_all("meta")
    }
    for name in ("description", "og:title", "og:description", "og:url", "og:type", "og:site_name"):
        assert metas.get(name), name
    assert metas["og:url"].startswith("http://127.0.0.1:8000/")
    levels = [int(h.tag[1]) for h in tree.find_all() if h.tag in ("h1", "h2", "h3", "h4")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_staff_pages(client, published):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    for path in ("/admin/", "/reports/", "/accounts/", "/schedule/", "/timeline/", "/rounds/"):
        assert f"Disallow: {path}" in text


def test_the_staff_home_page_links_to_the_public_view_of_a_published_plan(client, published, council):
    client.force_login(council)
    assert f'href="/plans/{published.pk}/"' in client.get("/").content.decode()


def test_a_visitor_not_signed_in_is_led_to_the_public_pages_the_open_data_and_the_login(client, published):
    login = client.get("/accounts/login/").content.decode()
    for href in ('href="/plans/"', 'href="/opendata/"'):
        assert href in login


def test_a_revalidation_reads_three_queries_and_renders_nothing(client, published, django_assert_num_queries):
    url = f"/plans/{published.pk}/"
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(3):  # the plan, its last change, its 基準日 (the plan has ended)
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_accessibility_pages_state_the_policy_and_the_stored_test_results(client, published):
    from core.fiscal import wareki_date_with_western
    from opendata.accessibility import TARGET_DEADLINE, results_read

    results = results_read()
    policy = page(client, "/accessibility/").text
    assert "JIS X 8341-3:2016の適合レベルAAに準拠することを目標とします。" in policy
    assert f"現在の対応度は「{results.conformance}」です。" in policy
    assert f"{wareki_date_with_western(TARGET_DEADLINE)}までに" in policy
    assert "対象範囲" in policy and "/plans/" in policy
    tree = page(client, "/accessibility/results/")
    assert f"試験日 {wareki_date_with_western(results.tested_on)}" in tree.text
    assert f"axe-core {results.axe_version}" in tree.text
    assert "依存したウェブコンテンツ技術 HTML、CSS、SVG" in tree.text
    shown = {
        li.attrs["data-criterion"]: li.find("strong").text for li in tree.find_all("li", cls="criterion")
    }
    assert list(shown) == [c.number for c in results.criteria]
    assert shown["1.4.3"] == "適合"  # contrast, by axe-core's color-contrast
    assert shown["2.1.1"] == "適合(アプリケーションの試験)"
    assert "1.4.3 コントラスト(最低限レベル) (レベルAA) 結果: 適合" in tree.text
    tested = [row.find_all("td")[1].text for row in tree.find_all("table")[0].find("tbody").find_all("tr")]
    assert tested[:2] == ["/plans/", "/plans/(計画ID)/"]


@pytest.mark.parametrize(
    "path",
    [
        "measures/legend.py",  # the grades' words
        "measures/chart.py",  # the chart's layout
        "measures/selectors/rows.py",  # the progress row: as of, standing, rate, grade
        "measures/selectors/tally.py",  # the counts
        "schedule/selectors.py",  # the schedule's grid
        "core/fiscal.py",  # the era labels
        "bunkyo/templates/base.html",  # the header and footer every public page extends
        "opendata/templates/opendata/public/plan.html",
    ],
)
def test_a_release_that_changes_what_a_page_shows_changes_every_etag(path):
    """A client that kept the page from before a release must not be told 304 (Not Modified) for a
    page the new code draws differently: every file the pages are drawn by is in the ETag's digest."""
    from django.conf import settings

    from opendata.public_views import code_files

    assert settings.BASE_DIR / path in code_files()
