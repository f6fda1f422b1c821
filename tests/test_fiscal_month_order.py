"""The schedule's lists run in fiscal order, April first and March last: 10月 comes before 1月."""

import pytest
from django.urls import reverse

from core import fiscal
from schedule.models import Body, Phase, PublicCommentPeriod

from .page_text import parse

pytestmark = pytest.mark.usefixtures("seeded")


def _result_list(client, url):
    """The admin list as read on the page: the header texts, the rows' texts, and the page itself."""
    page = parse(client.get(url).content)
    table = page.find("table", id="result_list")
    header = [th.find("div", cls="text").text for th in table.find("thead").find("tr").cells()]
    rows = [[cell.text for cell in tr.cells()] for tr in table.find("tbody").find_all("tr")]
    return header, rows, page


def _column(header, rows, title):
    index = header.index(title)
    return [row[index] for row in rows]


def _month(text: str) -> int:
    """The month of a cell such as 「平成30年度(2018年度) 10月」 or 「10月」."""
    return int(text.rsplit(" ", 1)[-1].removesuffix("月"))


def _sorted_by_column(client, url, page, column_class):
    link = page.find("th", cls=column_class).find("div", cls="text").find("a")
    return _result_list(client, url + link.attrs["href"])


def test_the_items_of_fy2018_are_listed_april_to_march_for_each_body(client, secretariat):
    client.force_login(secretariat)
    header, rows, _ = _result_list(
        client, reverse("admin:schedule_scheduleditem_changelist") + "?fiscal_year__exact=2018"
    )
    by_body: dict[str, list[int]] = {}
    for body, month in zip(_column(header, rows, "会議体"), _column(header, rows, "予定月"), strict=True):
        by_body.setdefault(body, []).append(_month(month))
    assert by_body["IT・情報セキュリティ委員会"] == [4, 7, 10, 1]
    assert by_body["IT・情報セキュリティ部会"] == [5, 7, 10, 1]
    for body, months in by_body.items():
        assert months == sorted(months, key=fiscal.fiscal_month_index), body


def test_sorting_the_items_by_their_month_puts_october_before_january(client, secretariat):
    client.force_login(secretariat)
    url = reverse("admin:schedule_scheduleditem_changelist")
    _, _, page = _result_list(client, url + "?fiscal_year__exact=2018")
    header, rows, _ = _sorted_by_column(client, url, page, "column-month_label")
    months = [_month(text) for text in _column(header, rows, "予定月")]
    assert months == sorted(months, key=fiscal.fiscal_month_index)
    assert months.index(10) < months.index(1) and months[0] == 4 and months[-1] == 2


def test_public_comment_periods_are_listed_in_fiscal_order(client, secretariat):
    body = Body.objects.get(kind=Body.Kind.PUBLIC_COMMENT)
    for month in (1, 10):
        PublicCommentPeriod.objects.create(
            body=body, subject=f"{month}月開始の案件", fiscal_year=2018, planned_start_month=month
        )
    client.force_login(secretariat)
    header, rows, _ = _result_list(client, reverse("admin:schedule_publiccommentperiod_changelist"))
    assert [_month(text) for text in _column(header, rows, "開始月")] == [10, 12, 1]
    subjects = _column(header, rows, "案件名")
    assert subjects.index("10月開始の案件") < subjects.index("1月開始の案件")


def test_phases_sorted_by_their_first_month_put_october_before_january(client, secretariat):
    Phase.objects.create(fiscal_year=2018, name="補足検討", first_month=1, last_month=3, order=4)
    client.force_login(secretariat)
    url = reverse("admin:schedule_phase_changelist")
    _, _, page = _result_list(client, url)
    header, rows, _ = _sorted_by_column(client, url, page, "column-first_month_label")
    assert _column(header, rows, "開始月") == ["4月", "7月", "10月", "1月"]
    assert _column(header, rows, "検討段階")[-1] == "補足検討"
