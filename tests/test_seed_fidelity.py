"""The database after `make run` holds the ward's document faithfully: checked against the document itself."""

import re

import pytest

from core import fiscal
from measures.models import Measure, Plan, Purpose
from schedule.models import Body, Phase, PublicCommentPeriod, ScheduledItem

from . import seed_document as doc
from .conftest import SEED_DOCUMENT, SHARED_SEED_DOCUMENT

pytestmark = pytest.mark.usefixtures("seeded")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_schedule_table_is_in_the_database_cell_by_cell(seed_document):
    table = doc.schedule_table(seed_document)
    # The table's own heading names the fiscal year: 平成30年度 is FY2018.
    year = fiscal.parse_fiscal_year(table.fiscal_year_label)
    assert year == 2018
    assert table.months == [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    bodies = {body.label: body for body in Body.objects.all()}
    assert set(bodies) == set(table.rows), "every row of the table is a body, and no other"
    checked = 0
    for label, cells in table.rows.items():
        body = bodies[label]
        for month, cell in zip(table.months, cells, strict=True):
            items = ScheduledItem.objects.filter(body=body, fiscal_year=year, planned_month=month)
            comments = PublicCommentPeriod.objects.filter(body=body, fiscal_year=year)
            starts_here = [c for c in comments if c.start_month == month]
            if cell == "●":
                assert items.count() == 1, f"{label} {month}月 should hold one planned item"
            elif cell == "➡":
                assert len(starts_here) == 1, f"{label} {month}月 should start the public comment"
                assert not items.exists()
            else:
                assert cell == "", f"unexpected mark {cell!r}"
                assert not items.exists(), f"{label} {month}月 should be empty"
                assert not starts_here, f"{label} {month}月 should not start a public comment"
            checked += 1
    assert checked == 5 * 12
    # Nothing beyond the marks: the count of items equals the count of ●.
    dots = sum(cells.count("●") for cells in table.rows.values())
    assert ScheduledItem.objects.filter(fiscal_year=year).count() == dots == 14


def test_the_phases_cover_the_months_of_the_document(seed_document):
    table = doc.schedule_table(seed_document)
    starts = [(i, name.rstrip("→ ").strip()) for i, name in enumerate(table.phase_row) if name]
    assert [name for _, name in starts] == ["骨子検討", "素案検討", "最終案検討・決定"]
    for n, (index, name) in enumerate(starts):
        end_index = starts[n + 1][0] - 1 if n + 1 < len(starts) else 11
        phase = Phase.objects.get(fiscal_year=2018, name=name)
        assert phase.first_month == table.months[index]
        assert phase.last_month == table.months[end_index]
    # Each item sits in the phase whose months cover it.
    for item in ScheduledItem.objects.select_related("phase"):
        first, last = (fiscal.fiscal_month_index(m) for m in (item.phase.first_month, item.phase.last_month))
        assert first <= fiscal.fiscal_month_index(item.planned_month) <= last, item


def test_the_public_comment_starts_in_december_2018():
    period = PublicCommentPeriod.objects.get()
    assert period.fiscal_year == 2018
    assert period.start_month == 12
    assert period.body.kind == Body.Kind.PUBLIC_COMMENT


def test_the_subcommittee_reports_to_the_committee():
    subcommittee = Body.objects.get(name="IT・情報セキュリティ部会")
    assert subcommittee.parent == Body.objects.get(name="IT・情報セキュリティ委員会")


def test_the_plan_period_is_heisei_31_to_33_that_is_fy2019_to_2021(seed_document):
    plan = Plan.objects.get()
    first_text, last_text = re.match(
        r"(平成\d+年度)から(平成\d+年度)", doc.plan_period(seed_document)
    ).groups()
    assert (
        (plan.first_fiscal_year, plan.last_fiscal_year)
        == (
            fiscal.parse_fiscal_year(first_text),
            fiscal.parse_fiscal_year(last_text),
        )
        == (2019, 2021)
    )
    assert plan.period_label == "令和元年度(2019年度)〜令和3年度(2021年度)"
    assert "官民データ活用推進基本法" in plan.legal_basis


def test_the_purposes_have_exactly_the_keywords_and_technologies_of_the_diagram(seed_document):
    diagram = doc.image_diagram(seed_document)
    assert [p.code for p in diagram] == ["ア", "イ", "ウ"]
    for expected in diagram:
        purpose = Purpose.objects.get(code=expected.code)
        assert purpose.text == expected.text
        assert [k.name for k in purpose.keywords.all()] == expected.keywords
        assert [_norm(t.name) for t in purpose.technologies.all()] == [
            _norm(t) for t in expected.technologies
        ]
    assert Purpose.objects.count() == 3


def test_the_five_measures_of_the_document_are_under_their_purposes(seed_document):
    titles = doc.measure_titles(seed_document)
    assert len(titles) == 5
    measures = list(Measure.objects.order_by("number"))
    assert [m.title for m in measures] == titles
    purpose_of = {m.title: m.purpose.code for m in measures}
    assert purpose_of["オープンデータ活用の推進"] == "ア"
    assert purpose_of["行政手続におけるオンライン化(電子申請)の推進"] == "イ"
    assert purpose_of["既存システムのクラウド化(耐障害性・業務継続性の向上)"] == "ウ"
    for measure in measures:
        assert measure.departments.exists(), f"{measure} has a department"
        # A measure's keywords are drawn from the diagram.
        diagram_keywords = {k for p in doc.image_diagram(seed_document) for k in p.keywords}
        assert {k.name for k in measure.keywords.all()} <= diagram_keywords


@pytest.mark.skipif(
    not SHARED_SEED_DOCUMENT.exists(), reason="no shared/ folder beside this clone to compare with"
)
def test_the_repository_copy_of_the_document_is_the_ward_document():
    assert SEED_DOCUMENT.read_bytes() == SHARED_SEED_DOCUMENT.read_bytes()
