"""python manage.py export_progress --output 進捗.xlsx [--plan ID] [--as-of 2020-03-31] [filters]"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from measures.models import Plan
from reports.filters import MeasureProgressFilter
from reports.workbook import ProgressExport, write_progress_workbook

# Option → MeasureProgressFilter parameter: the same filters as /reports/progress.xlsx.
FILTER_OPTIONS = {
    "plan": "計画のID(省略すると現行の計画)",
    "as_of": "基準日 YYYY-MM-DD または YYYY/MM/DD(省略すると今日。終了した計画では計画期間の最終日か、それより後の最新の報告日)",
    "purpose": "計画の目的のID",
    "department": "所管課のID",
    "keyword": "施策のキーワードのID",
    "status": "進捗状況のID",
    "fiscal_year": "年度(2019、令和元年度、平成31年度 など)",
}
# The parameters the report's form refuses under their old names (core.parameters).
RETIRED_OPTIONS = tuple(MeasureProgressFilter._meta.form.retired_parameters)


class Command(BaseCommand):
    help = "施策別の進捗状況をExcelファイル(/reports/ と同じ内容)に出力します。"

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="出力するファイル(.xlsx)")
        for name, help_text in FILTER_OPTIONS.items():
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=help_text)
        # Options that were renamed (--objective is --purpose): accepted by the parser, hidden from
        # --help, and refused by the same form as the page and the API, with the same message.
        for name in RETIRED_OPTIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=argparse.SUPPRESS)

    def handle(self, *args, output, verbosity=1, **options):
        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"出力ファイルの拡張子は .xlsx にしてください({output})。")
        if not path.parent.is_dir():
            raise CommandError(f"出力先のフォルダ {path.parent} がありません。")
        data = {
            name: options[name]
            for name in (*FILTER_OPTIONS, *RETIRED_OPTIONS)
            if options.get(name) not in (None, "")
        }
        filterset = MeasureProgressFilter(data)
        if not filterset.is_valid():
            raise CommandError(self._errors(filterset))
        export = ProgressExport.from_filter(filterset)
        count = self._write(export, path)
        if verbosity > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{path} に出力しました(計画: {export.plan.name}、基準日: {export.page.as_of_label}、施策 {count}件)。"
                )
            )

    @staticmethod
    def _write(export: ProgressExport, path: Path) -> int:
        """Write beside the target and rename, so a failed run never leaves half a file behind."""
        handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
        os.close(handle)
        try:
            count = write_progress_workbook(export, temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        return count

    @staticmethod
    def _errors(filterset: MeasureProgressFilter) -> str:
        lines = ["条件に誤りがあるため出力しませんでした。"]
        for name, messages in filterset.form.errors.items():
            option = f"--{name.replace('_', '-')}"
            lines.extend(
                f"  {option}({filterset.form.fields[name].label}): {message}" for message in messages
            )
        if "plan" in filterset.form.errors:
            plans = [f"  {plan.pk}: {plan}" for plan in Plan.objects.order_by("pk")]
            lines.append("登録されている計画:" if plans else "計画が1件も登録されていません。")
            lines.extend(plans)
        return "\n".join(lines)
