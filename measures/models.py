"""The plan (計画), its purposes, measures, yearly targets and the history of progress reports."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core import clock, fiscal
from core.fields import (
    NARRATIVE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    FiscalYearField,
    LongTextField,
    fiscal_window_error,
    handled_fiscal_year,
    text_length_constraint,
)
from core.versioning import VersionedModel
from core.year_records import records_in_years

# A decrease (事務作業の時間、紙の使用量 …) is entered as the amount reduced, so that every figure is
# 0 or more and 達成率 = 実績値 ÷ 目標値 reads the same way for every indicator (docs/data-model.md).
DECREASE_HINT = "減らすことを目標にする指標は、減らした量(削減時間、紙の削減枚数など)を正の数で入力します。"


def _not_negative(label: str) -> list[MinValueValidator]:
    return [
        MinValueValidator(
            0, message=f"{label}はマイナスにできません。0以上の数で入力してください。{DECREASE_HINT}"
        )
    ]


def _not_negative_constraint(field: str, label: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0}),
        name=name,
        violation_error_message=f"{label}はマイナスにできません。0以上の数で入力してください。",
    )


class Plan(VersionedModel):
    class Status(models.TextChoices):
        DRAFTING = "drafting", "策定中"
        ADOPTED = "adopted", "策定済"

    name = models.CharField("計画名", max_length=200, unique=True)
    legal_basis = models.CharField("根拠法令", max_length=300, blank=True)
    first_fiscal_year = FiscalYearField("計画期間(開始年度)")
    last_fiscal_year = FiscalYearField("計画期間(終了年度)")
    status = models.CharField("策定状況", max_length=20, choices=Status.choices, default=Status.DRAFTING)
    adopted_on = models.DateField("策定日", null=True, blank=True)
    # Open data: a published plan, its measures, targets, standing reports and the schedule can be
    # read without signing in (the API and /opendata/). Withdrawn reports and people's names never.
    published = models.BooleanField(
        "公開",
        default=False,
        help_text="チェックすると、この計画の施策・年度目標・進捗報告(取り下げたものと報告者名を除く)と"
        "策定スケジュールを、サインインなしでAPIとオープンデータとして公開します。",
    )
    evaluation_scale = models.ForeignKey(
        "EvaluationScale",
        verbose_name="評価基準",
        on_delete=models.PROTECT,
        related_name="plans",
        null=True,
        blank=True,
    )

    history = HistoricalRecords(verbose_name="計画の変更履歴", verbose_name_plural="計画の変更履歴")

    class Meta:
        verbose_name = "計画"
        verbose_name_plural = "計画"
        ordering = ("-first_fiscal_year", "name")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fiscal_year__lte=F("last_fiscal_year")),
                name="plan_period_in_order",
                violation_error_message="計画期間の開始年度は終了年度より後にできません。",
            ),
            models.CheckConstraint(
                condition=Q(status="drafting") | Q(adopted_on__isnull=False),
                name="plan_adopted_has_date",
                violation_error_message="策定済の計画には策定日を入力してください。",
            ),
        ]

    def __str__(self):
        return f"{self.name}({self.period_label})"

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.first_fiscal_year, self.last_fiscal_year + 1))

    @property
    def period_label(self) -> str:
        return fiscal.fiscal_period_label(self.first_fiscal_year, self.last_fiscal_year)

    def covers(self, fiscal_year: int) -> bool:
        return self.first_fiscal_year <= fiscal_year <= self.last_fiscal_year

    @property
    def drafting_fiscal_year(self) -> int:
        """The year before the plan, in which it is drafted (FY2018 for FY2019–2021): the drafting
        schedule is shown from it, and the plan may be adopted from its start."""
        return self.first_fiscal_year - 1

    def clean(self):
        super().clean()
        if not (handled_fiscal_year(self.first_fiscal_year) and handled_fiscal_year(self.last_fiscal_year)):
            return
        overlapping = Plan.objects.filter(
            first_fiscal_year__lte=self.last_fiscal_year, last_fiscal_year__gte=self.first_fiscal_year
        ).exclude(pk=self.pk)
        other = overlapping.first()
        if other is not None:
            raise ValidationError(
                f"計画期間が「{other.name}」({other.period_label})と重なっています。"
                "次の計画は前の計画の終了年度より後から始めてください。"
            )
        if self.first_fiscal_year <= self.last_fiscal_year and (left_outside := self._records_left_outside()):
            raise ValidationError(left_outside)
        if self.adopted_on:
            earliest, _ = fiscal.fiscal_year_bounds(self.drafting_fiscal_year)
            _, latest = fiscal.fiscal_year_bounds(self.last_fiscal_year)
            today = clock.today()
            if not earliest <= self.adopted_on <= latest:
                raise ValidationError(
                    {
                        "adopted_on": f"策定日は計画期間の前年度の開始日({earliest:%Y/%m/%d})から"
                        f"計画期間の終わり({latest:%Y/%m/%d})までの日付にしてください。"
                    }
                )
            if self.status == self.Status.ADOPTED and self.adopted_on > today:
                raise ValidationError(
                    {
                        "adopted_on": "策定済の計画の策定日に先の日付は入力できません。"
                        f"今日({today:%Y/%m/%d})までの日付にしてください。"
                    }
                )

    def _records_left_outside(self) -> str | None:
        """Why a changed period is refused: the targets, reports and drafting schedule it would leave
        outside (and so out of the workbook, the printed pages and the checks), or None.

        The drafting schedule is not linked to a plan: a plan shows the years from its drafting
        year to its last, so a year is lost when the stored period showed it and, after the
        change, no plan does. Its records are counted by schedule through core.year_records.
        """
        if self.pk is None:
            return None
        stored = Plan.objects.filter(pk=self.pk).values_list("first_fiscal_year", "last_fiscal_year").first()
        if stored is None:
            return None
        first, last = self.first_fiscal_year, self.last_fiscal_year
        inside = Q(fiscal_year__gte=first, fiscal_year__lte=last)
        outside = [
            (
                str(model._meta.verbose_name),
                _counts_by_year(model.objects.filter(measure__plan=self).exclude(inside)),
            )
            for model in (AnnualTarget, ProgressReport)
        ]
        outside = [(label, counts) for label, counts in outside if counts]

        shown = set(range(first - 1, last + 1))
        for other_first, other_last in Plan.objects.exclude(pk=self.pk).values_list(
            "first_fiscal_year", "last_fiscal_year"
        ):
            shown.update(range(other_first - 1, other_last + 1))
        lost = set(range(stored[0] - 1, stored[1] + 1)) - shown
        hidden = [(count.label, count.by_year) for count in records_in_years(lost)]
        if not outside and not hidden:
            return None

        sentences = []
        if outside:
            sentences.append(f"{_years_and_counts(outside)}が計画期間の外になります。")
        if hidden:
            also = "また、" if outside else ""
            sentences.append(
                f"{also}{_years_and_counts(hidden)}が策定スケジュール(計画の前年度から表示)に表示されなくなります。"
            )
        only = "だけ" if first == last else ""
        return (
            f"計画期間を{fiscal.fiscal_period_label(first, last)}{only}にすると、{''.join(sentences)}"
            "先にそれらの年度を直すか、それらの年度を含む計画期間にしてください。"
        )

    def require_fiscal_year(self, fiscal_year: int | None, field: str = "fiscal_year") -> None:
        """Raise a field error unless the fiscal year lies in this plan's period."""
        if handled_fiscal_year(fiscal_year) and not self.covers(fiscal_year):
            raise ValidationError(
                {
                    field: f"{fiscal.fiscal_year_label(fiscal_year)}は計画期間"
                    f"({self.period_label})の外です。計画期間内の年度を入力してください。"
                }
            )


def _counts_by_year(queryset) -> dict[int, int]:
    return dict(
        queryset.order_by().values("fiscal_year").annotate(n=Count("pk")).values_list("fiscal_year", "n")
    )


def _years_and_counts(kinds: list[tuple[str, dict[int, int]]]) -> str:
    """令和元年度(2019年度)と令和3年度(2021年度)の年度目標10件・進捗報告20件"""
    years = sorted({year for _, counts in kinds for year in counts})
    labels = [fiscal.fiscal_year_label(year) for year in years]
    years_text = "と".join(labels) if len(labels) == 2 else "、".join(labels)
    counts_text = "・".join(f"{label}{sum(counts.values())}件" for label, counts in kinds)
    return f"{years_text}の{counts_text}"


class NamedModel(VersionedModel):
    """A name the secretariat lists in its own order (所管課, 施策のキーワード, 使用するテクノロジー等).

    Each model declares its own ``name`` and ``order``: a field inherited from here would come
    before the model's own, and the admin's forms and the 変更履歴 pages list fields in that order.
    """

    class Meta:
        abstract = True
        ordering = ("order", "name")

    def __str__(self):
        return self.name


class Department(NamedModel):
    name = models.CharField("課名", max_length=100, unique=True)
    division = models.CharField("部名", max_length=100, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(verbose_name="所管課の変更履歴", verbose_name_plural="所管課の変更履歴")

    class Meta(NamedModel.Meta):
        verbose_name = "所管課"
        verbose_name_plural = "所管課"


class Keyword(NamedModel):
    name = models.CharField("キーワード", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(
        verbose_name="施策のキーワードの変更履歴", verbose_name_plural="施策のキーワードの変更履歴"
    )

    class Meta(NamedModel.Meta):
        verbose_name = "施策のキーワード"
        verbose_name_plural = "施策のキーワード"


class Technology(NamedModel):
    name = models.CharField("テクノロジー", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(
        verbose_name="使用するテクノロジー等の変更履歴",
        verbose_name_plural="使用するテクノロジー等の変更履歴",
    )

    class Meta(NamedModel.Meta):
        verbose_name = "使用するテクノロジー等"
        verbose_name_plural = "使用するテクノロジー等"


class Purpose(VersionedModel):
    plan = models.ForeignKey(Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="purposes")
    code = models.CharField("項番", max_length=4, help_text="ア、イ、ウ など")
    text = LongTextField("計画の目的", max_length=NOTE_MAX_LENGTH)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    keywords = models.ManyToManyField(
        Keyword, verbose_name="施策のキーワード", blank=True, related_name="purposes"
    )
    technologies = models.ManyToManyField(
        Technology, verbose_name="使用するテクノロジー等", blank=True, related_name="purposes"
    )

    history = HistoricalRecords(
        verbose_name="計画の目的の変更履歴", verbose_name_plural="計画の目的の変更履歴"
    )

    class Meta:
        verbose_name = "計画の目的"
        verbose_name_plural = "計画の目的"
        ordering = ("plan", "order", "code")
        constraints = [
            models.UniqueConstraint(
                fields=("plan", "code"),
                name="purpose_code_unique_in_plan",
                violation_error_message="この計画には同じ項番の目的がすでにあります。",
            ),
            text_length_constraint(
                "text", NOTE_MAX_LENGTH, name="purpose_text_max_length", label="計画の目的"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.short_text}"

    @property
    def short_text(self) -> str:
        return self.text if len(self.text) <= 30 else self.text[:30] + "…"


class Measure(VersionedModel):
    plan = models.ForeignKey(Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="measures")
    purpose = models.ForeignKey(
        Purpose, verbose_name="計画の目的", on_delete=models.PROTECT, related_name="measures"
    )
    number = models.PositiveSmallIntegerField(
        "施策番号", validators=[MinValueValidator(1, message="施策番号は1以上で入力してください。")]
    )
    title = models.CharField("施策名", max_length=200)
    description = LongTextField("概要・取組内容", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    departments = models.ManyToManyField(
        Department, verbose_name="所管課", blank=True, related_name="measures"
    )
    keywords = models.ManyToManyField(
        Keyword, verbose_name="施策のキーワード", blank=True, related_name="measures"
    )
    technologies = models.ManyToManyField(
        Technology, verbose_name="使用するテクノロジー等", blank=True, related_name="measures"
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(verbose_name="施策の変更履歴", verbose_name_plural="施策の変更履歴")

    class Meta:
        verbose_name = "施策"
        verbose_name_plural = "施策"
        ordering = ("plan", "order", "number")
        permissions = [
            ("export_progress", "進捗状況をExcelで出力できる"),
            ("print_progress", "進捗状況の印刷用ページを閲覧できる"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("plan", "number"),
                name="measure_number_unique_in_plan",
                violation_error_message="この計画には同じ施策番号の施策がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="measure_number_from_1",
                violation_error_message="施策番号は1以上で入力してください。",
            ),
            text_length_constraint(
                "description",
                NARRATIVE_MAX_LENGTH,
                name="measure_description_max_length",
                label="概要・取組内容",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def clean(self):
        super().clean()
        if self.plan_id and self.purpose_id and self.purpose.plan_id != self.plan_id:
            raise ValidationError(
                {"purpose": "この目的は別の計画のものです。同じ計画の目的を選んでください。"}
            )


class AnnualTarget(VersionedModel):
    measure = models.ForeignKey(
        Measure, verbose_name="施策", on_delete=models.CASCADE, related_name="annual_targets"
    )
    fiscal_year = FiscalYearField("年度")
    target_text = LongTextField("年度目標", max_length=NOTE_MAX_LENGTH)
    indicator_name = models.CharField(
        "指標名",
        max_length=200,
        blank=True,
        help_text="減らすことを目標にする指標(事務作業の時間、紙の使用量など)は、"
        "「削減時間」「紙の削減枚数」のように減らした量を指標にします。"
        "基準値・目標値・実績値はどれも0以上の数で、達成率は実績値÷目標値です。",
    )
    indicator_unit = models.CharField("単位", max_length=50, blank=True)
    baseline_value = models.DecimalField(
        "基準値", max_digits=14, decimal_places=2, null=True, blank=True, validators=_not_negative("基準値")
    )
    target_value = models.DecimalField(
        "目標値",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_not_negative("目標値"),
        help_text="0以上の数。減らす目標は、減らす量で入力します。",
    )

    history = HistoricalRecords(verbose_name="年度目標の変更履歴", verbose_name_plural="年度目標の変更履歴")

    class Meta:
        verbose_name = "年度目標"
        verbose_name_plural = "年度目標"
        ordering = ("measure", "fiscal_year")
        # 年度 in the admin's filter and the API, across plans (the unique key starts with the measure).
        indexes = [models.Index(fields=("fiscal_year",), name="target_year")]
        constraints = [
            models.UniqueConstraint(
                fields=("measure", "fiscal_year"),
                name="annual_target_unique_per_year",
                violation_error_message="この施策のこの年度の目標はすでに登録されています。",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | ~Q(indicator_name=""),
                name="annual_target_value_has_indicator",
                violation_error_message="目標値を入れるときは指標名も入力してください。",
            ),
            _not_negative_constraint("baseline_value", "基準値", "annual_target_baseline_not_negative"),
            _not_negative_constraint("target_value", "目標値", "annual_target_value_not_negative"),
            text_length_constraint(
                "target_text", NOTE_MAX_LENGTH, name="annual_target_text_max_length", label="年度目標"
            ),
        ]

    def __str__(self):
        return f"{self.measure} {fiscal.fiscal_year_label(self.fiscal_year)}"

    def achievement_rate(self, actual_value: Decimal | None) -> Decimal | None:
        return achievement_rate(self.target_value, actual_value)

    def clean(self):
        super().clean()
        plan = _plan_of(self)
        if plan is not None:
            plan.require_fiscal_year(self.fiscal_year)


def achievement_rate(target_value: Decimal | None, actual_value: Decimal | None) -> Decimal | None:
    """達成率(%) = 実績値 ÷ 目標値 × 100, to one decimal; None when it cannot be computed."""
    if actual_value is None or not target_value:
        return None
    rate = Decimal(actual_value) / Decimal(target_value) * 100
    return rate.quantize(Decimal("0.1"))


def _plan_of(obj) -> Plan | None:
    """The plan of a target or report's measure, also while the measure is still unsaved (admin inlines)."""
    if obj.measure_id is not None:
        measure = obj.measure
    else:
        measure = type(obj)._meta.get_field("measure").get_cached_value(obj, default=None)
    if measure is None or not measure.plan_id:
        return None
    return measure.plan


class ProgressStatus(VersionedModel):
    """進捗状況: 未着手, 実施中, … Data the secretariat maintains, not constants in code."""

    name = models.CharField("名称", max_length=50, unique=True)
    symbol = models.CharField(
        "記号", max_length=4, blank=True, help_text="白黒印刷でも区別できる記号(例: ◎ ○ △ ×)。"
    )
    color = models.CharField("色", max_length=7, blank=True, help_text="Excelなどで使う背景色(例: #C6EFCE)。")
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(verbose_name="進捗状況の変更履歴", verbose_name_plural="進捗状況の変更履歴")

    class Meta:
        verbose_name = "進捗状況"
        verbose_name_plural = "進捗状況"
        ordering = ("order", "name")

    def __str__(self):
        return f"{self.symbol} {self.name}".strip()


class EvaluationScale(VersionedModel):
    """A grading scale (A/B/C/D/−, 1–5, S/A/B/C/− …), chosen per plan."""

    name = models.CharField("名称", max_length=100, unique=True)
    description = LongTextField("説明", max_length=NOTE_MAX_LENGTH, blank=True)

    history = HistoricalRecords(verbose_name="評価基準の変更履歴", verbose_name_plural="評価基準の変更履歴")

    class Meta:
        verbose_name = "評価基準"
        verbose_name_plural = "評価基準"
        ordering = ("name",)
        constraints = [
            text_length_constraint(
                "description", NOTE_MAX_LENGTH, name="evaluation_scale_description_max_length", label="説明"
            ),
        ]

    def __str__(self):
        return self.name


def grade_for_rate(grades: list[EvaluationGrade], rate: Decimal | None) -> EvaluationGrade | None:
    """Pick the grade with the highest minimum the rate reaches; no rate → the grade with no minimum."""
    if rate is None:
        return next((g for g in grades if g.min_rate is None), None)
    reached = [g for g in grades if g.min_rate is not None and rate >= g.min_rate]
    return max(reached, key=lambda g: g.min_rate) if reached else None


class EvaluationGrade(VersionedModel):
    scale = models.ForeignKey(
        EvaluationScale, verbose_name="評価基準", on_delete=models.CASCADE, related_name="grades"
    )
    code = models.CharField("評価", max_length=4)
    label = models.CharField("説明", max_length=100, blank=True)
    min_rate = models.DecimalField(
        "達成率の下限(%)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="この値以上でこの評価になります。空欄は「評価不能」(目標値または実績値がない場合)です。",
    )
    color = models.CharField("色", max_length=7, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(verbose_name="評価区分の変更履歴", verbose_name_plural="評価区分の変更履歴")

    class Meta:
        verbose_name = "評価区分"
        verbose_name_plural = "評価区分"
        ordering = ("scale", "order", "code")
        constraints = [
            models.UniqueConstraint(
                fields=("scale", "code"),
                name="evaluation_grade_code_unique",
                violation_error_message="この評価基準には同じ評価がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=("scale",),
                condition=Q(min_rate__isnull=True),
                name="evaluation_grade_one_unjudgeable",
                violation_error_message="「評価不能」(下限なし)の区分は評価基準ごとに1つだけです。",
            ),
            models.CheckConstraint(
                condition=Q(min_rate__isnull=True) | Q(min_rate__gte=0),
                name="evaluation_grade_min_rate_not_negative",
                violation_error_message="達成率の下限は0以上にしてください。",
            ),
        ]

    def __str__(self):
        return f"{self.code}({self.label})" if self.label else self.code


class ProgressReportQuerySet(models.QuerySet):
    def standing(self) -> ProgressReportQuerySet:
        """Reports that count: not withdrawn (取り下げ). Every read of progress starts here."""
        return self.filter(withdrawn_on__isnull=True)


class ProgressReport(VersionedModel):
    """One dated report on one measure for one fiscal year.

    Reports are a history: a new report is added, an old one is not overwritten. The state
    of a measure for a year as of a date is its latest standing report on or before that date
    (see selectors.reports_latest_as_of).
    """

    measure = models.ForeignKey(
        Measure, verbose_name="施策", on_delete=models.CASCADE, related_name="progress_reports"
    )
    fiscal_year = FiscalYearField("年度")
    as_of = models.DateField("報告基準日")
    status = models.ForeignKey(
        ProgressStatus, verbose_name="進捗状況", on_delete=models.PROTECT, related_name="reports"
    )
    actual_value = models.DecimalField(
        "実績値",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_not_negative("実績値"),
        help_text="0以上の数。年度目標と同じ指標・単位で、減らす目標なら減らした量を入力します。",
    )
    progress_percent = models.PositiveSmallIntegerField(
        "進捗率(%)",
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="0から100までの整数で入力します。",
    )
    narrative = LongTextField("取組実績", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    issues = LongTextField("課題", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    next_steps = LongTextField("今後の方向性", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="報告者",
        on_delete=models.PROTECT,
        related_name="progress_reports",
        null=True,
        blank=True,
        editable=False,  # set by the server when the report is created, never from a form
    )
    # Set when the report came in through a collection round (rounds): the secretariat member who
    # accepted the department's answer; the author is the department member who entered it.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        on_delete=models.PROTECT,
        related_name="accepted_progress_reports",
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    # Where a report came from when it was not typed in: the Excel upload writes its file here.
    notes = LongTextField("備考", max_length=NOTE_MAX_LENGTH, blank=True, editable=False)
    # Reports are never deleted: a wrong one is withdrawn, with the reason, and stays on record.
    # Set only by the withdrawal (services.progress_report_withdraw), on its own page.
    withdrawn_on = models.DateField("取り下げ日", null=True, blank=True, editable=False)
    withdrawal_reason = LongTextField(
        "取り下げの理由", max_length=NOTE_MAX_LENGTH, blank=True, editable=False
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取り下げた職員",
        on_delete=models.PROTECT,
        related_name="withdrawn_progress_reports",
        null=True,
        blank=True,
        editable=False,
    )

    history = HistoricalRecords(verbose_name="進捗報告の変更履歴", verbose_name_plural="進捗報告の変更履歴")

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = "進捗報告"
        verbose_name_plural = "進捗報告"
        ordering = ("-as_of", "-id")
        indexes = [
            models.Index(fields=("measure", "fiscal_year", "as_of"), name="report_measure_year_asof"),
            # The report list's order (admin, API: newest first) and the API's as_of filter.
            models.Index(fields=("as_of", "id"), name="report_as_of_id"),
            # 年度 in the admin's filter and the API, newest first within the year.
            models.Index(fields=("fiscal_year", "as_of"), name="report_year_as_of"),
            # The few withdrawn reports: the admin's 取り下げ日 filter, ?standing=false, and the
            # withdrawals since the last council report (/reports/print/?since=, the home page).
            models.Index(
                fields=("withdrawn_on",), name="report_withdrawn_on", condition=Q(withdrawn_on__isnull=False)
            ),
            # A measure's latest standing report for a year by a date, with the figures the home
            # page counts (measures/selectors/lateral.py): on PostgreSQL each measure's probe is an
            # index-only scan, no read of the table. The figures are key columns, not INCLUDE,
            # which Django creates on PostgreSQL only (docs/PERFORMANCE.md, issue 23, item 12).
            models.Index(
                fields=(
                    "measure",
                    "fiscal_year",
                    "as_of",
                    "id",
                    "status",
                    "progress_percent",
                    "actual_value",
                ),
                name="report_standing_figures",
                condition=Q(withdrawn_on__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0) & Q(progress_percent__lte=100),
                name="report_progress_percent_0_100",
                violation_error_message="進捗率は0から100の範囲で入力してください。",
            ),
            _not_negative_constraint("actual_value", "実績値", "report_actual_value_not_negative"),
            text_length_constraint(
                "narrative", NARRATIVE_MAX_LENGTH, name="report_narrative_max_length", label="取組実績"
            ),
            text_length_constraint(
                "issues", NARRATIVE_MAX_LENGTH, name="report_issues_max_length", label="課題"
            ),
            text_length_constraint(
                "next_steps", NARRATIVE_MAX_LENGTH, name="report_next_steps_max_length", label="今後の方向性"
            ),
            text_length_constraint("notes", NOTE_MAX_LENGTH, name="report_notes_max_length", label="備考"),
            text_length_constraint(
                "withdrawal_reason",
                NOTE_MAX_LENGTH,
                name="report_withdrawal_reason_max_length",
                label="取り下げの理由",
            ),
            models.CheckConstraint(
                condition=(Q(withdrawn_on__isnull=True) & Q(withdrawal_reason=""))
                | (Q(withdrawn_on__isnull=False) & ~Q(withdrawal_reason="")),
                name="report_withdrawal_has_reason",
                violation_error_message="取り下げる場合は、取り下げ日と理由の両方を入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("as_of")),
                name="report_withdrawn_on_or_after_as_of",
                violation_error_message="取り下げ日は報告基準日以降の日付にしてください。",
            ),
            models.UniqueConstraint(
                fields=("measure", "fiscal_year", "as_of"),
                # A withdrawn report stays on record and must not block its correction.
                condition=Q(withdrawn_on__isnull=True),
                name="report_one_per_measure_year_date",
                violation_error_message="この施策・年度・報告基準日の報告はすでにあります。内容を直す場合は、その報告を取り下げてから新しい報告を追加してください。",
            ),
        ]

    def __str__(self):
        return f"{self.measure.title} {fiscal.fiscal_year_label(self.fiscal_year)} {self.as_of:%Y/%m/%d}時点"

    def clean(self):
        super().clean()
        plan = _plan_of(self)
        if plan is not None:
            plan.require_fiscal_year(self.fiscal_year)
        errors = {}
        if handled_fiscal_year(self.fiscal_year) and self.as_of:
            year_start, _ = fiscal.fiscal_year_bounds(self.fiscal_year)
            if self.as_of < year_start:
                errors["as_of"] = (
                    f"報告基準日は{fiscal.fiscal_year_label(self.fiscal_year)}の開始日"
                    f"({year_start:%Y/%m/%d})以降にしてください。"
                )
            elif late := fiscal_window_error(self.as_of, self.fiscal_year, "報告基準日"):
                errors["as_of"] = late
        if self.withdrawn_on:
            today = clock.today()
            if self.as_of and self.withdrawn_on < self.as_of:
                errors["withdrawn_on"] = (
                    f"取り下げ日は報告基準日({self.as_of:%Y/%m/%d})以降の日付にしてください。"
                )
            elif self.withdrawn_on > today:
                errors["withdrawn_on"] = (
                    f"取り下げ日に先の日付は入力できません。今日({today:%Y/%m/%d})までの日付にしてください。"
                )
            elif self.created_at and self.withdrawn_on < (registered := timezone.localdate(self.created_at)):
                # A report cannot be withdrawn before it was in the system (a late entry of an old
                # report is withdrawn on the day it is found wrong, not on a day before it existed).
                errors["withdrawn_on"] = (
                    f"取り下げ日({fiscal.wareki_date(self.withdrawn_on)})は、この報告を登録した日"
                    f"({fiscal.wareki_date(registered)})より前にはできません。登録した日以降の日付にしてください。"
                )
        if errors:
            raise ValidationError(errors)
