from datetime import UTC, date, datetime, timedelta

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


# ---- every date the application prints, read back as typed (core.fiscal.parse_date) ----------------


def _short(day: date) -> str:
    """A date as the workbook's narrow columns show it (SHORT_WAREKI_DATE_XLSX, Excel's ge.m.d): R1.5.1."""
    era = fiscal.era_of_date(day)
    return f"{era.initial}{day.year - era.first_day.year + 1}.{day.month}.{day.day}"


def test_every_printed_form_of_every_day_around_the_last_two_era_changes_reads_back():
    day, last = date(1988, 12, 1), date(2020, 6, 30)
    while day <= last:
        for printed in (
            fiscal.wareki_date(day),
            fiscal.wareki_date_with_western(day),
            _short(day),
            f"{day:%Y/%m/%d}",
            day.isoformat(),
            f"{day.year}年{day.month}月{day.day}日",  # Django's DATE_FORMAT in the admin's lists
        ):
            assert fiscal.parse_date(printed) == day, printed
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # what the pages, the workbook and the admin print
        ("令和4年3月31日", date(2022, 3, 31)),
        ("令和4年3月31日(2022年3月31日)", date(2022, 3, 31)),
        ("R4.3.31", date(2022, 3, 31)),
        ("2022/03/31", date(2022, 3, 31)),
        ("2022-03-31", date(2022, 3, 31)),
        ("2022年3月31日", date(2022, 3, 31)),
        ("2019/05/01(水)", date(2019, 5, 1)),  # the schedule checks' messages
        # as people type them
        ("R3.12.10", date(2021, 12, 10)),
        ("r3.12.10", date(2021, 12, 10)),
        ("Ｒ３．１２．１０", date(2021, 12, 10)),
        ("R3/12/10", date(2021, 12, 10)),
        ("R3-12-10", date(2021, 12, 10)),
        ("R3年12月10日", date(2021, 12, 10)),
        ("令和3.12.10", date(2021, 12, 10)),
        ("令和 3年 12月 10日", date(2021, 12, 10)),
        ("令和３年１２月１０日", date(2021, 12, 10)),
        ("R03.04.01", date(2021, 4, 1)),
        ("H30.4.20", date(2018, 4, 20)),
        ("h30/4/20", date(2018, 4, 20)),
        ("２０２１／１２／１０", date(2021, 12, 10)),
        ("2021.12.10", date(2021, 12, 10)),
        ("2021ー12ー10", date(2021, 12, 10)),  # typed with the input method on
        (" 2021/12/10 ", date(2021, 12, 10)),
        ("R4.3.31（2022年3月31日）", date(2022, 3, 31)),
        ("2022/03/31(木曜日)", date(2022, 3, 31)),
        # the era edges
        ("H31.4.30", date(2019, 4, 30)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("R1.5.1", date(2019, 5, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("R元年5月1日", date(2019, 5, 1)),
        ("令和元年5月1日(2019年5月1日)", date(2019, 5, 1)),
        ("S64.1.7", date(1989, 1, 7)),
        ("H1.1.8", date(1989, 1, 8)),
        ("平成元年1月8日", date(1989, 1, 8)),
    ],
)
def test_a_date_is_read_in_every_form_the_application_prints_or_people_type(text, day):
    assert fiscal.parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "H31.5.1",
            "「H31.5.1」は平成が終わった後の日付です。平成は平成31年4月30日(2019年4月30日)までで、"
            "翌日からは令和です。令和元年5月1日のように入力してください。",
        ),
        ("平成31年5月1日", "「平成31年5月1日」は平成が終わった後の日付です。"),
        ("H32.1.1", "「H32.1.1」は平成が終わった後の日付です。"),
        ("S64.1.8", "「S64.1.8」は昭和が終わった後の日付です。"),
        (
            "R1.4.30",
            "「R1.4.30」は令和が始まる前の日付です。令和は令和元年5月1日(2019年5月1日)からで、"
            "前日までは平成です。平成31年4月30日のように入力してください。",
        ),
        ("令和元年4月1日", "「令和元年4月1日」は令和が始まる前の日付です。"),
        ("H1.1.7", "「H1.1.7」は平成が始まる前の日付です。"),
        ("R3.2.30", "「R3.2.30」という日付はありません。"),
        ("2021/13/45", "「2021/13/45」という日付はありません。"),
        ("0000-00-00", "「0000-00-00」という日付はありません。"),
        ("R0.5.1", "「R0.5.1」という日付はありません。和暦の年は元年(1年)から数えます。"),
        (
            "令和4年3月31日(2021年3月31日)",
            "「令和4年3月31日(2021年3月31日)」は括弧の外と中で日付が違います(令和4年3月31日は2022年3月31日です)。",
        ),
        ("2022/03/31(水)", "「2022/03/31(水)」の曜日が違います。2022年3月31日は木曜日です。"),
        (
            "abc",
            "「abc」は日付として読み取れません。2020/03/31、2020-03-31、令和2年3月31日、R2.3.31 のように入力します。",
        ),
        ("令和4年度", "「令和4年度」は日付として読み取れません。"),
        ("2022/03-31", "日付として読み取れません"),
        ("22/3/31", "日付として読み取れません"),
        ("30/09/2019", "日付として読み取れません"),
        ("2022年3月", "日付として読み取れません"),
        ("令和3年6月30日 23:59", "日付として読み取れません"),
        ("", "日付として読み取れません"),
        ("x" * 200, "「" + "x" * 30 + "…」は日付として読み取れません"),
        ("R3.1\x00.1", "「R3.1.1」は日付として読み取れません"),  # what cannot be shown is left out
    ],
)
def test_a_date_that_is_not_one_is_refused_saying_why(text, message):
    with pytest.raises(ValueError) as refused:
        fiscal.parse_date(text)
    assert message in str(refused.value)


def test_every_fiscal_year_label_the_application_prints_reads_back():
    for year in range(1989, 2101):
        for printed in (
            fiscal.fiscal_year_label(year),
            fiscal.fiscal_year_wareki(year),
            f"{year}年度",
            str(year),
        ):
            assert fiscal.parse_fiscal_year(printed) == year, printed


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("令和元年度（２０１９年度）", 2019),
        ("Ｒ１", 2019),
        ("r元", 2019),
        ("R3年度", 2021),
        ("平成31年度(2019年度)", 2019),
    ],
)
def test_a_fiscal_year_is_read_with_full_width_characters_and_initials(text, year):
    assert fiscal.parse_fiscal_year(text) == year
