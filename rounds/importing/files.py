"""What an uploaded file is: its kind, plan, fiscal year and department from its document properties,
and each of its sheets, read or why not. The one sheet of the chosen year goes on to sheets.SheetReader."""

from __future__ import annotations

from core import fiscal
from measures.models import Plan
from measures.sheets import exchange as x
from measures.sheets.year_row import year_sheet_title

from ..xlsx_upload import UploadedWorkbook, UploadLimits
from .cells import whole_number
from .results import ReadResult
from .scope import ImportContext
from .sheets import SheetReader


class FileReader:
    """Reads one uploaded file into ``result``."""

    def __init__(
        self, upload: UploadedWorkbook, context: ImportContext, result: ReadResult, limits: UploadLimits
    ):
        self.upload, self.context, self.result, self.limits = upload, context, result, limits
        self.name = upload.name
        self.department: str | None = None

    def problem(self, message: str, *, sheet: str = "") -> None:
        self.result.problem(self.name, message, sheet=sheet)

    def read(self) -> None:
        sheet = self._check_identity()
        if sheet is None:
            return
        SheetReader(
            upload=self.upload,
            sheet=sheet,
            context=self.context,
            result=self.result,
            limits=self.limits,
            department=self.department,
        ).read()

    def sheet_seen(self, title: str, year: int | None, *, reason: str = "") -> None:
        """What the preview says of a sheet: its fiscal year, and why it was not read (read when no reason)."""
        self.result.sheets.append(
            {
                "file": self.name,
                "sheet": title,
                "year": fiscal.fiscal_year_label(year) if year else "",
                "read": not reason,
                "reason": reason,
            }
        )

    def _other_year(self, year: int) -> str:
        """Why a sheet of another fiscal year than the one chosen is not read."""
        chosen = fiscal.fiscal_year_label(self.context.scope.fiscal_year)
        label = fiscal.fiscal_year_label(year)
        return (
            f"{label}のシートです。取り込む年度は{chosen}のため読み込みませんでした。"
            f"このシートの報告は、年度に{label}を選んでアップロードしてください。"
        )

    def _check_identity(self) -> str | None:
        """The file's kind, plan, year and department, and its sheets. Returns the sheet to read."""
        scope, props = self.context.scope, self.upload.custom_properties
        kind = props.get(x.PROPERTY_KIND)
        if kind == x.KIND_ANSWER:
            self.problem(
                "このファイルは所管課が進捗照会の回答に使うテンプレートです。所管課が回答の画面の「Excelで取り込む」で取り込みます。"
                "ここでは「テンプレートをダウンロード」で作ったファイルを選んでください。"
            )
            return None
        if kind not in (x.KIND_TEMPLATE, x.KIND_WORKBOOK):
            self.problem(
                "このファイルは進捗報告のテンプレートではありません(ファイルの情報に計画と年度がありません)。"
                "管理画面の「テンプレートをダウンロード」で作ったファイルか、進捗状況のExcel(/reports/)に記入してください。"
            )
            return None
        if whole_number(props.get(x.PROPERTY_PLAN)) != scope.plan.pk:
            other = Plan.objects.filter(pk=whole_number(props.get(x.PROPERTY_PLAN))).first()
            named = f"「{other.name}」" if other else "別の計画"
            self.problem(
                f"このファイルは{named}のものです。取り込む計画「{scope.plan.name}」のテンプレートに記入してください。"
            )
            return None
        titles = list(self.upload.workbook.sheetnames)
        if kind == x.KIND_TEMPLATE:
            year = whole_number(props.get(x.PROPERTY_FISCAL_YEAR))
            if year is None or not scope.plan.covers(year):
                label = fiscal.fiscal_year_label(year) if year else "不明な年度"
                self.problem(
                    f"このファイルの年度({label})は計画の期間({scope.plan.period_label})の外です。"
                    "計画の年度のテンプレートをダウンロードし直してください。"
                )
                return None
            if year != scope.fiscal_year:
                for title in titles:
                    self.sheet_seen(title, year, reason=self._other_year(year))
                self.problem(
                    f"このファイルは{fiscal.fiscal_year_label(year)}のテンプレートです。"
                    f"取り込む年度は{fiscal.fiscal_year_label(scope.fiscal_year)}です。"
                    "年度を選び直すか、その年度のテンプレートに記入してください。"
                )
                return None
            department_id = whole_number(props.get(x.PROPERTY_DEPARTMENT))
            if department_id:
                self.department = self.context.departments.get(department_id)
                if self.department is None:
                    self.problem(
                        "このテンプレートの所管課は削除されています。テンプレートをダウンロードし直してください。"
                    )
                    return None
            allowed = {scope.sheet_title}
            years = {scope.sheet_title: year}
        else:
            # A year sheet of the manager's workbook carries its year in its title (years.year_sheet_title).
            years = {year_sheet_title(y): y for y in scope.plan.fiscal_years}
            allowed = {*x.WORKBOOK_SHEETS, *years}
        for title in titles:
            if title not in allowed:
                self.sheet_seen(title, None, reason="テンプレートにないシートです。")
                self.problem(
                    f"シート「{title}」はテンプレートにないシートです。シートを削除し、"
                    f"記入はシート「{scope.sheet_title}」にしてください。",
                    sheet=title,
                )
            elif title == scope.sheet_title:
                self.sheet_seen(title, scope.fiscal_year)
            elif title in years:
                self.sheet_seen(title, years[title], reason=self._other_year(years[title]))
            else:
                self.sheet_seen(title, None, reason="集計のシートです(進捗は年度のシートから読み込みます)。")
        if scope.sheet_title not in titles:
            others = [t for t in titles if t in years]
            found = f"このファイルにあるのは{'、'.join(others)}のシートです。" if others else ""
            self.problem(
                f"シート「{scope.sheet_title}」がありません。{found}{fiscal.fiscal_year_label(scope.fiscal_year)}の"
                "シートに記入するか、シートの年度を選んでアップロードしてください(シート名は変えないでください)。"
            )
            return None
        return scope.sheet_title
