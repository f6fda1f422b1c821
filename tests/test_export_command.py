"""python manage.py export_progress: the same workbook from the command line, and clear refusals."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from core import fiscal
from measures.models import Department, Plan

from .excel import as_date, open_workbook, values
from .factories import seed_plan

pytestmark = pytest.mark.usefixtures("demo")


def _facts(workbook) -> dict:
    return {row[0]: row[1] for row in values(workbook["概要"]) if len(row) >= 2}


def test_the_command_writes_the_workbook_as_of_the_date_given(tmp_path, capsys):
    output = tmp_path / "進捗.xlsx"
    call_command("export_progress", "--output", str(output), "--as-of", "2020-03-31")
    workbook = open_workbook(output.read_bytes())
    assert workbook.sheetnames == [
        "概要",
        "施策別進捗",
        "令和元年度(2019年度)",
        "令和2年度(2020年度)",
        "令和3年度(2021年度)",
        "策定スケジュール",
        "進捗履歴",
    ]
    assert _facts(workbook)["基準日"] == fiscal.wareki_date_with_western(date(2020, 3, 31))
    history_dates = {as_date(r[0]) for r in values(workbook["進捗履歴"])[1:]}
    assert max(history_dates) == date(2020, 3, 31)
    said = capsys.readouterr().out
    assert str(output) in said and f"施策 {seed_plan().measures.count()}件" in said


def test_the_command_takes_the_same_filters_as_the_page(tmp_path):
    output = tmp_path / "out.xlsx"
    department = Department.objects.get(name="情報政策課")
    plan = seed_plan()
    call_command(
        "export_progress",
        "--output",
        str(output),
        "--plan",
        str(plan.pk),
        "--as-of",
        "2021/03/31",
        "--department",
        str(department.pk),
        "--fiscal-year",
        "平成32年度",
    )
    workbook = open_workbook(output.read_bytes())
    rows = [r for r in values(workbook["施策別進捗"])[2:] if r]
    expected = plan.measures.filter(departments=department)
    assert sorted(r[2] for r in rows) == sorted(m.title for m in expected)
    assert {r[3] for r in values(workbook["進捗履歴"])[1:]} == {"令和2年度(2020年度)"}
    applied = _facts(workbook)["絞り込み条件"].split("\n")
    assert "所管課: 情報政策課" in applied and "年度: 令和2年度(2020年度)" in applied
    assert f"計画: {plan}" in applied


def test_a_bad_date_stops_with_a_japanese_message_and_no_file(tmp_path):
    output = tmp_path / "out.xlsx"
    with pytest.raises(CommandError) as error:
        call_command("export_progress", "--output", str(output), "--as-of", "2020-02-30")
    assert "--as-of(基準日): 日付を正しく入力してください。" in str(error.value)
    assert not output.exists()


def test_an_unknown_plan_is_refused_with_the_plans_that_exist(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("export_progress", "--output", str(tmp_path / "out.xlsx"), "--plan", "999")
    message = str(error.value)
    assert "--plan(計画): 指定された計画は登録されていません。" in message
    plan = Plan.objects.get()
    assert f"{plan.pk}: {plan}" in message


def test_from_the_shell_a_refusal_exits_non_zero(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(
            ["manage.py", "export_progress", "--output", str(tmp_path / "out.xlsx"), "--as-of", "31/03/2020"]
        )
    assert exit_info.value.code == 1
    assert "日付を正しく入力してください" in capsys.readouterr().err
    assert not list(tmp_path.iterdir()), "nothing is left behind"


@pytest.mark.parametrize(
    "output, message",
    [("missing-folder/out.xlsx", "出力先のフォルダ"), ("out.csv", "拡張子は .xlsx")],
)
def test_an_unusable_output_path_is_refused(tmp_path, output, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_progress", "--output", str(tmp_path / output))


def test_a_failed_export_leaves_no_half_written_file(tmp_path, monkeypatch):
    output = tmp_path / "out.xlsx"
    output.write_bytes(b"the previous export")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("reports.management.commands.export_progress.write_progress_workbook", fail)
    with pytest.raises(RuntimeError):
        call_command("export_progress", "--output", str(output))
    assert output.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
