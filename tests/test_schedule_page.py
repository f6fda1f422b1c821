"""/schedule/: the FY2018 drafting schedule as the seed document's table, checked against the document itself."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from core import fiscal
from core.clock import today
from schedule.models import Body, PublicCommentPeriod, ScheduledItem
from schedule.selectors import schedule_default_fiscal_year

from . import seed_document as doc
from .page_text import parse

URL = reverse("schedule:table")

pytestmark = pytest.mark.usefixtures("seeded")


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return parse(response.content)


def _grid(page) -> tuple[list[int], dict[str, list]]:
    """The months of the header and {row label: its twelve month cells} for the body rows."""
    table = page.find("table", cls="schedule-table")
    months = [int(th.text.rstrip("月")) for th in table.find("thead").find_all("tr")[1].cells()]
    rows = {}
    for tr in table.find_all("tr", cls="body-row"):
        header, *cells = tr.cells()
        rows[header.text] = cells
    return months, rows


def _phase_months(page) -> dict[str, list[int]]:
    """Each phase band's months, read from the column spans of the 全体スケジュール row."""
    table = page.find("table", cls="schedule-table")
    months = [int(th.text.rstrip("月")) for th in table.find("thead").find_all("tr")[1].cells()]
    row = table.find("tr", cls="phase-row")
    bands, position = {}, 0
    for cell in row.cells()[1:]:
        span = int(cell.attrs.get("colspan", "1"))
        if "phase-cell" in cell.classes:
            bands[cell.text] = months[position : position + span]
        position += span
    assert position == 12, "the phase row spans the twelve months exactly"
    return bands


def test_the_schedule_carries_the_date_of_issue_and_the_issuing_department(client, council, settings):
    """As the council report's cover does: 作成日 (today, in 和暦) and the department that issues it,
    under the title, on paper as on screen."""
    sheet = _page(client, council).find("article", cls="schedule-sheet")
    issued = sheet.find("p", cls="cover-issuer")
    assert issued.find("span", cls="issued-on").text == f"作成日 {fiscal.wareki_date_with_western(today())}"
    assert issued.find("span", cls="issuer").text == "文京区 企画政策部 情報政策課"

    settings.REPORT_ISSUER = "文京区 総務部 総務課"
    assert _page(client, council).find("span", cls="issuer").text == "文京区 総務部 総務課"


def test_every_mark_is_in_the_same_cell_as_in_the_seed_document(client, secretariat, seed_document):
    page = _page(client, secretariat)
    table = doc.schedule_table(seed_document)
    months, rows = _grid(page)
    assert months == table.months
    assert set(rows) == set(table.rows)
    heading = page.find("table", cls="schedule-table").find("thead").find("th").text
    # The document's heading (平成30年度), in the project's one style with the Western year.
    assert table.fiscal_year_label == "平成30年度"
    assert heading == "平成30年度(2018年度)"
    for label, expected in table.rows.items():
        shown = [cell.text for cell in rows[label]]
        assert shown == expected, f"{label}: {shown} != {expected}"


def test_the_phases_are_bands_over_the_documents_months(client, secretariat, seed_document):
    page = _page(client, secretariat)
    table = doc.schedule_table(seed_document)
    starts = [(i, name.rstrip("→ ").strip()) for i, name in enumerate(table.phase_row) if name]
    expected = {}
    for n, (index, name) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else 12
        expected[name] = table.months[index:end]
    assert _phase_months(page) == expected


def test_each_mark_links_to_its_items_page(client, council):
    page = _page(client, council)
    links = page.find("table", cls="schedule-table").find_all("a", cls="mark")
    item_links = [a for a in links if "mark-comment" not in a.classes]
    assert len(item_links) == ScheduledItem.objects.filter(fiscal_year=2018).count() == 14
    _, rows = _grid(page)
    for label, cells in rows.items():
        for month, cell in zip(fiscal.MONTHS_IN_FISCAL_ORDER, cells, strict=True):
            for link in cell.find_all("a", cls="mark"):
                if "mark-comment" in link.classes:
                    continue
                detail = parse(client.get(link.attrs["href"]).content)
                facts = detail.find("dl").text
                assert label in detail.find("h1").text
                assert f"予定月 {month}月" in facts, (label, month)


def test_a_held_meeting_shows_a_mark_of_its_own_and_the_legend_explains_it(client, secretariat):
    item = ScheduledItem.objects.get(
        body__name="IT・情報セキュリティ委員会", fiscal_year=2018, planned_month=4
    )
    item.status = ScheduledItem.Status.HELD
    item.actual_date = date(2018, 4, 20)
    item.full_clean()
    item.save()
    page = _page(client, secretariat)
    _, rows = _grid(page)
    committee = rows["IT・情報セキュリティ委員会"]
    april, july = committee[0].text, committee[3].text
    assert april != july, "held and planned look different"
    assert july == "●"
    assert f"{april} 実施済" in page.find("dl", cls="schedule-legend").text
    assert "● 予定" in page.find("dl", cls="schedule-legend").text
    detail = parse(client.get(reverse("schedule:item", args=[item.pk])).content).text
    assert "実施済" in detail and "平成30年4月20日(2018年4月20日)" in detail


def test_the_public_comment_runs_across_its_months_once_its_dates_are_set(client, secretariat):
    period = PublicCommentPeriod.objects.get()
    period.start_date, period.end_date = date(2018, 12, 20), date(2019, 1, 31)
    period.full_clean()
    period.save()
    page = _page(client, secretariat)
    _, rows = _grid(page)
    cells = [cell.text for cell in rows[period.body.label]]
    months = list(fiscal.MONTHS_IN_FISCAL_ORDER)
    assert cells[months.index(12)] == "➡"
    assert cells[months.index(1)] == "━"
    assert [c for i, c in enumerate(cells) if months[i] not in (12, 1)] == [""] * 10
    details = page.find("section", cls="public-comment").text
    assert "平成30年12月20日(2018年12月20日)〜平成31年1月31日(2019年1月31日)" in details
    assert "43日間" in details, "counted from the day of publication as day 1"
    link = rows[period.body.label][months.index(12)].find("a")
    assert link.attrs["href"] == f"#public-comment-{period.pk}"


def test_the_year_can_be_typed_in_either_calendar_and_defaults_to_the_year_with_items(client, council):
    default = _page(client, council)
    for typed in ("2018", "平成30年度", "H30"):
        assert _grid(_page(client, council, fiscal_year=typed)) == _grid(default)
    assert schedule_default_fiscal_year(on=date(2026, 11, 27)) == 2018


def test_the_default_year_is_the_current_one_when_it_has_a_schedule(db):
    body = Body.objects.create(name="臨時の会議", kind=Body.Kind.COMMITTEE, order=9)
    ScheduledItem.objects.create(body=body, fiscal_year=2020, planned_month=6)
    assert schedule_default_fiscal_year(on=date(2020, 7, 1)) == 2020
    assert schedule_default_fiscal_year(on=date(2026, 7, 1)) == 2020, "else the latest year with one"


def test_a_year_without_a_schedule_says_so(client, council):
    page = _page(client, council, fiscal_year="令和2年度")
    assert "令和2年度(2020年度)のスケジュールは登録されていません" in page.text
    _, rows = _grid(page)
    assert all(cell.text == "" for cells in rows.values() for cell in cells)


def test_a_year_that_cannot_be_read_is_a_400_in_japanese(client, council):
    client.force_login(council)
    response = client.get(URL, {"fiscal_year": "来年"})
    assert response.status_code == 400
    assert "年度として読み取れません" in parse(response.content).find("section", cls="bad-request").text


def test_an_unknown_item_is_404(client, council):
    client.force_login(council)
    missing = ScheduledItem.objects.order_by("-pk").first().pk + 1
    assert client.get(reverse("schedule:item", args=[missing])).status_code == 404


def test_text_typed_into_an_item_is_escaped(client, secretariat):
    item = ScheduledItem.objects.filter(fiscal_year=2018).first()
    item.subject = "<script>alert(1)</script>"
    item.save()
    client.force_login(secretariat)
    for url in (URL, reverse("schedule:item", args=[item.pk])):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("persona", ["council", "manager", "secretariat", "superuser"])
def test_every_role_may_read_the_schedule(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    item = ScheduledItem.objects.first()
    assert client.get(URL).status_code == 200
    assert client.get(reverse("schedule:item", args=[item.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_login_and_roleless_accounts_refused(client, django_user_model):
    item = ScheduledItem.objects.first()
    urls = (URL, reverse("schedule:item", args=[item.pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(django_user_model.objects.create_user(username="norole", password="pw-norole"))
    for url in urls:
        assert client.get(url).status_code == 403


def test_the_schedule_pages_refuse_writes(client, secretariat):
    client.force_login(secretariat)
    item = ScheduledItem.objects.first()
    for url in (URL, reverse("schedule:item", args=[item.pk])):
        assert client.post(url).status_code == 405
