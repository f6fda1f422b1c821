"""The public plan page's filters: 計画の目的, キーワード, 所管課, 評価, 進捗状況 and 年度, as GET parameters.

Values are the names people read (?purpose=ア&department=情報政策課&grade=A&fiscal_year=2020), so a
shared address says what it shows. The choices are the published plan's own: a value of another
plan (published or not) is refused exactly as a value that does not exist, with the reason beside
the field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms

from core import fiscal
from measures.legend import Legend
from measures.models import Department, Keyword, Plan, Purpose
from measures.selectors import MeasureProgress, YearProgress

UNREPORTED = "報告なし"
ANY = ""
INVALID_CHOICE = "「%(value)s」は選べません。一覧から選んでください。"


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[(ANY, "すべて"), *choices],
        error_messages={"invalid_choice": INVALID_CHOICE},
    )


class PublicMeasureFilter(forms.Form):
    """The measures a visitor asks for. The filters combine (AND). 評価 and 進捗状況 apply to the
    chosen 年度, or, with none chosen, keep a measure when any year of the plan matches."""

    def __init__(self, data, *, plan: Plan, legend: Legend, purposes: list[Purpose]):
        super().__init__(data)
        measures = plan.measures.all()
        departments = Department.objects.filter(measures__in=measures).distinct().order_by("order", "name")
        keywords = Keyword.objects.filter(measures__in=measures).distinct().order_by("order", "name")
        self.fields["purpose"] = _choice(
            "計画の目的", [(p.code, f"{p.code} {p.short_text}") for p in purposes]
        )
        self.fields["keyword"] = _choice("キーワード", [(k.name, k.name) for k in keywords])
        self.fields["department"] = _choice("所管課", [(d.name, d.name) for d in departments])
        self.fields["grade"] = _choice(
            "評価", [(grade.code, meaning) for grade, meaning in legend.grade_meanings]
        )
        self.fields["status"] = _choice(
            "進捗状況", [*((s.name, s.name) for s in legend.statuses), (UNREPORTED, UNREPORTED)]
        )
        self.fields["fiscal_year"] = _choice(
            "年度", [(str(year), fiscal.fiscal_year_label(year)) for year in plan.fiscal_years]
        )
        self._plan = plan

    def shown_years(self) -> list[int]:
        year = self.cleaned_data["fiscal_year"]
        return [int(year)] if year else self._plan.fiscal_years

    def _year_matches(self, year: YearProgress) -> bool:
        grade, status = self.cleaned_data["grade"], self.cleaned_data["status"]
        if grade and (year.grade is None or year.grade.code != grade):
            return False
        if status:
            shown = year.report.status.name if year.report is not None else UNREPORTED
            if shown != status:
                return False
        return True

    def keeps(self, row: MeasureProgress) -> bool:
        data = self.cleaned_data
        if data["purpose"] and row.purpose.code != data["purpose"]:
            return False
        if data["keyword"] and data["keyword"] not in row.keywords:
            return False
        if data["department"] and data["department"] not in row.departments:
            return False
        years = self.shown_years()
        return any(self._year_matches(year) for year in row.years if year.fiscal_year in years)

    def applied(self) -> list[tuple[str, str]]:
        """(label, the chosen value's words) for each filter in use, for the page's summary."""
        applied = []
        for name, field in self.fields.items():
            value = None if self.errors else self.cleaned_data.get(name)
            if value:
                applied.append((str(field.label), dict(field.choices)[value]))
        return applied

    def query(self) -> str:
        """The query string of the filters in use, in field order: the list's files take the same."""
        if self.errors:
            return ""
        return urlencode({name: value for name, value in self.cleaned_data.items() if value})
