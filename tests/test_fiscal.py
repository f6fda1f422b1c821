from datetime import UTC, date, datetime

import pytest

from core import fiscal


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2019, 4, 30), 2019),
        (date(2019, 5, 1), 2019),
        (date(2020, 3, 31), 2019),
        (date(2020, 4, 1), 2020),
        (date(2019, 3, 31), 2018),
        (date(1989, 1, 7), 1988),
        (date(1989, 1, 8), 1988),
    ],
)
def test_fiscal_year_of_a_date(day, year):
    assert fiscal.fiscal_year_of(day) == year


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 3, 31), "令和2年3月31日"),
        (date(2020, 4, 1), "令和2年4月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2018, 12, 1), "平成30年12月1日"),
    ],
)
def test_wareki_date_changes_era_on_the_exact_day(day, text):
    assert fiscal.wareki_date(day) == text


def test_a_recorded_moment_reads_in_tokyo_time_and_its_era():
    # 2019-04-30 15:30 UTC is 2019-05-01 00:30 in Tokyo: the first day of 令和.
    assert fiscal.wareki_datetime(datetime(2019, 4, 30, 15, 30, tzinfo=UTC)) == "令和元年5月1日 00:30"
    assert fiscal.wareki_datetime(datetime(2019, 4, 30, 14, 59, tzinfo=UTC)) == "平成31年4月30日 23:59"


def test_the_first_year_of_an_era_is_gannen_never_1nen():
    assert fiscal.wareki_date(date(2019, 12, 31)) == "令和元年12月31日"
    assert fiscal.wareki_date(date(1989, 12, 31)) == "平成元年12月31日"
    assert "1年" not in fiscal.wareki_date(date(2019, 12, 31))


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2018, "平成30年度(2018年度)"),
        (2019, "令和元年度(2019年度)"),  # began under 平成, named by the new era
        (2020, "令和2年度(2020年度)"),
        (2021, "令和3年度(2021年度)"),
        (1988, "昭和63年度(1988年度)"),
        (1989, "平成元年度(1989年度)"),
    ],
)
def test_fiscal_year_label_in_both_systems(year, label):
    assert fiscal.fiscal_year_label(year) == label


def test_plan_period_label():
    assert fiscal.fiscal_period_label(2019, 2021) == "令和元年度(2019年度)〜令和3年度(2021年度)"
    assert fiscal.fiscal_period_label(2019, 2019) == "令和元年度(2019年度)"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("平成31年度", 2019),
        ("平成32年度", 2020),
        ("平成33年度", 2021),
        ("令和元年度", 2019),
        ("令和1年度", 2019),
        ("令和３年度", 2021),  # full-width digits
        ("2019", 2019),
        ("2019年度", 2019),
        ("R1", 2019),
        ("h30", 2018),
        ("令和元年度(2019年度)", 2019),
        ("令和2(2020)年度", 2020),  # another style wards use
        (" 平成30年 ", 2018),
    ],
)
def test_parse_fiscal_year_accepts_aliases(text, year):
    assert fiscal.parse_fiscal_year(text) == year


@pytest.mark.parametrize(
    "text", ["", "来年度", "令和", "2019年4月", "令和0年度", "令和元年度(2020年度)", "令和2(2021)年度"]
)
def test_parse_fiscal_year_refuses_what_is_not_a_year(text):
    with pytest.raises(ValueError, match="年度"):
        fiscal.parse_fiscal_year(text)


def test_months_of_a_fiscal_year_run_april_to_march():
    months = fiscal.fiscal_months(2018)
    assert months[0] == (2018, 4)
    assert months[-1] == (2019, 3)
    assert len(months) == 12
    assert [m for _, m in months] == list(fiscal.MONTHS_IN_FISCAL_ORDER)
    assert fiscal.fiscal_year_bounds(2019) == (date(2019, 4, 1), date(2020, 3, 31))


def test_fiscal_month_index():
    assert fiscal.fiscal_month_index(4) == 0
    assert fiscal.fiscal_month_index(12) == 8
    assert fiscal.fiscal_month_index(3) == 11
    with pytest.raises(ValueError):
        fiscal.fiscal_month_index(13)


def test_a_months_sequence_runs_on_across_fiscal_years():
    days = [date(2019, 3, 31), date(2019, 4, 1), date(2019, 12, 31), date(2020, 1, 1), date(2020, 3, 1)]
    sequences = [fiscal.month_sequence_of(day) for day in days]
    assert sequences == [2018 * 12 + 11, 2019 * 12, 2019 * 12 + 8, 2019 * 12 + 9, 2019 * 12 + 11]
    assert fiscal.month_sequence_of(date(2019, 4, 30)) == fiscal.month_sequence_of(date(2019, 4, 1))


@pytest.mark.django_db
def test_a_months_sequence_is_the_one_sql_gives():
    from django.db.models import Value

    from schedule.models import Phase

    Phase.objects.create(fiscal_year=2018, name="検討", first_month=1, last_month=3)
    for year, month in ((2018, 1), (2018, 4), (2018, 12)):
        sql = (
            Phase.objects.annotate(sequence=fiscal.fiscal_month_sequence(Value(year), Value(month)))
            .values_list("sequence", flat=True)
            .first()
        )
        assert sql == fiscal.month_sequence_of(date(year + (month < 4), month, 1))
