"""Small builders for test data beyond the seed plan. Each saves through full_clean like the admin does."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from measures.models import (
    AnnualTarget,
    Department,
    EvaluationScale,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
)
from measures.services import progress_report_create


def seed_plan() -> Plan:
    """The ward's plan loaded by the ``seeded`` fixture."""
    return Plan.objects.get(name="文京区官民データ活用推進計画")


def status(name: str) -> ProgressStatus:
    return ProgressStatus.objects.get(name=name)


def make_plan(*, name="テスト計画", first=2022, last=2024, **fields) -> Plan:
    fields.setdefault("evaluation_scale", EvaluationScale.objects.first())
    plan = Plan(name=name, first_fiscal_year=first, last_fiscal_year=last, **fields)
    plan.full_clean()
    plan.save()
    return plan


def make_measure(
    *, plan: Plan, number: int, title: str, purpose: Purpose | None = None, departments=()
) -> Measure:
    purpose = purpose or plan.purposes.order_by("order").first()
    if purpose is None:
        purpose = Purpose.objects.create(plan=plan, code="ア", text="テスト目的", order=1)
    measure = Measure(plan=plan, purpose=purpose, number=number, title=title, order=number)
    measure.full_clean()
    measure.save()
    for name in departments:
        measure.departments.add(Department.objects.get_or_create(name=name)[0])
    return measure


def add_target(
    measure: Measure, fiscal_year: int, target_value=None, *, text="目標", indicator="指標", unit="件"
) -> AnnualTarget:
    target = AnnualTarget(
        measure=measure,
        fiscal_year=fiscal_year,
        target_text=text,
        indicator_name=indicator if target_value is not None else "",
        indicator_unit=unit if target_value is not None else "",
        target_value=None if target_value is None else Decimal(str(target_value)),
    )
    target.full_clean()
    target.save()
    return target


def add_report(
    measure: Measure,
    fiscal_year: int,
    as_of: date,
    *,
    status_name="実施中",
    progress=50,
    actual=None,
    narrative="",
    issues="",
    next_steps="",
    author=None,
) -> ProgressReport:
    report = ProgressReport(
        measure=measure,
        fiscal_year=fiscal_year,
        as_of=as_of,
        status=status(status_name),
        progress_percent=progress,
        actual_value=None if actual is None else Decimal(str(actual)),
        narrative=narrative,
        issues=issues,
        next_steps=next_steps,
    )
    report = progress_report_create(report=report, author=author)
    # Registered on its 報告基準日, as the ward's reports were: a withdrawal may then be dated from it.
    registered = timezone.make_aware(datetime.combine(as_of, time(9)))
    ProgressReport.objects.filter(pk=report.pk).update(created_at=registered)
    report.created_at = registered
    return report


def report_form_data(measure: Measure, **extra) -> dict:
    """What the admin's 進捗報告 add form posts for a plain FY2019 report on ``measure``."""
    return {
        "measure": measure.pk,
        "fiscal_year": "2019",
        "as_of": "2019/09/30",
        "status": status("実施中").pk,
        "progress_percent": "50",
        "actual_value": "",
        "narrative": "",
        "issues": "",
        "next_steps": "",
        **extra,
    }
