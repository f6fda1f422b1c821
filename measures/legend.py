"""The legend every report shows: the statuses, and each grade with the achievement rates it stands for.

Built once from the plan's evaluation scale, and read by the printed pages, the workbook and the public pages
alike, so paper and Excel say the same thing (B: 達成率80%以上100%未満).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import EvaluationGrade, Plan, ProgressStatus

UNJUDGEABLE_MEANING = "目標値または実績値がない"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def rate_range(grade: EvaluationGrade, bounds: list[Decimal]) -> str:
    """The achievement rates a grade stands for, given every grade's lower bound: 達成率80%以上100%未満."""
    if grade.min_rate is None:
        return UNJUDGEABLE_MEANING
    higher = [b for b in bounds if b > grade.min_rate]
    lower = f"{_plain(grade.min_rate)}%以上" if grade.min_rate > 0 else ""
    upper = f"{_plain(higher[0])}%未満" if higher else ""
    return f"達成率{lower}{upper}"


@dataclass(frozen=True)
class Legend:
    """The statuses and the plan's grades, in their configured order."""

    statuses: list[ProgressStatus]
    grades: list[EvaluationGrade]

    @property
    def grade_meanings(self) -> list[tuple[EvaluationGrade, str]]:
        """Each grade with what it means: (B, おおむね達成(達成率80%以上100%未満))."""
        bounds = sorted({g.min_rate for g in self.grades if g.min_rate is not None})
        return [(grade, f"{grade.label or grade.code}({rate_range(grade, bounds)})") for grade in self.grades]


def legend_for(plan: Plan) -> Legend:
    """Two queries: the statuses and the plan's grades."""
    grades = (
        list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by("order", "code"))
        if plan.evaluation_scale_id
        else []
    )
    return Legend(statuses=list(ProgressStatus.objects.order_by("order", "name")), grades=grades)
