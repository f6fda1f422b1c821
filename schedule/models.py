"""The drafting schedule: the bodies that meet or are reported to, the phases, the items and the public comment."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce, ExtractMonth
from django.db.models.lookups import LessThanOrEqual
from simple_history.models import HistoricalRecords

from core import clock, fiscal
from core.fields import (
    NOTE_MAX_LENGTH,
    FiscalYearField,
    LongTextField,
    fiscal_window_error,
    handled_fiscal_year,
    text_length_constraint,
)
from core.versioning import VersionedModel

_month_validators = [MinValueValidator(1), MaxValueValidator(12)]


class Body(VersionedModel):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", "委員会"
        SUBCOMMITTEE = "subcommittee", "部会"
        EXECUTIVE = "executive", "庁議"
        COUNCIL = "council", "区議会"
        PUBLIC_COMMENT = "public_comment", "パブリック・コメント"

    name = models.CharField("会議体名", max_length=100, unique=True)
    row_label = models.CharField(
        "スケジュール表の行名",
        max_length=100,
        blank=True,
        help_text="空欄なら会議体名を表示します(例: 庁議報告)。",
    )
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    parent = models.ForeignKey(
        "self",
        verbose_name="報告先",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="この会議体が報告する上位の会議体(例: 部会 → 委員会)。",
    )
    # The deliberation flow is data: the checks (schedule/checks.py) compare each step with the
    # one before it, whatever the bodies are called.
    flow_position = models.PositiveSmallIntegerField(
        "審議の順番",
        null=True,
        blank=True,
        help_text="案が通る順の番号です(例: 部会 1、委員会 2、庁議 3、区議会 4)。"
        "スケジュールの確認では、各段階の会議・報告の前に、一つ前の番号の会議体の会議・報告があるかを見ます。"
        "空欄の会議体(パブリック・コメントなど)は順番の確認に使いません。",
    )

    history = HistoricalRecords(verbose_name="会議体の変更履歴", verbose_name_plural="会議体の変更履歴")

    class Meta:
        verbose_name = "会議体"
        verbose_name_plural = "会議体"
        ordering = ("order", "name")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="body_not_own_parent",
                violation_error_message="会議体を自分自身の報告先にはできません。",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.row_label or self.name

    def clean(self):
        super().clean()
        seen = {self.pk}
        parent = self.parent
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": "報告先が循環しています。上位の会議体を見直してください。"})
            seen.add(parent.pk)
            parent = parent.parent


class Phase(VersionedModel):
    fiscal_year = FiscalYearField("年度")
    name = models.CharField("検討段階", max_length=100)
    first_month = models.PositiveSmallIntegerField("開始月", validators=_month_validators)
    last_month = models.PositiveSmallIntegerField("終了月", validators=_month_validators)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    history = HistoricalRecords(verbose_name="検討段階の変更履歴", verbose_name_plural="検討段階の変更履歴")

    class Meta:
        verbose_name = "検討段階"
        verbose_name_plural = "検討段階"
        ordering = ("fiscal_year", "order", fiscal.fiscal_month_order("first_month"))
        constraints = [
            models.UniqueConstraint(
                fields=("fiscal_year", "name"),
                name="phase_name_unique_in_year",
                violation_error_message="この年度には同じ名前の検討段階がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(first_month__gte=1, first_month__lte=12, last_month__gte=1, last_month__lte=12),
                name="phase_months_valid",
                violation_error_message="月は1から12で入力してください。",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    fiscal.fiscal_month_order("first_month"), fiscal.fiscal_month_order("last_month")
                ),
                name="phase_months_in_fiscal_order",
                violation_error_message="終了月は開始月より後(4月始まりの年度の順)にしてください。",
            ),
        ]

    def __str__(self):
        return f"{fiscal.fiscal_year_label(self.fiscal_year)} {self.name}({self.first_month}月〜{self.last_month}月)"


HELD_NEEDS_ACTUAL_DATE = "実施済にするときは実施日を入力してください。"


class ScheduledItem(VersionedModel):
    class Kind(models.TextChoices):
        MEETING = "meeting", "会議"
        REPORT = "report", "報告"

    class Status(models.TextChoices):
        PLANNED = "planned", "予定"
        HELD = "held", "実施済"
        POSTPONED = "postponed", "延期"
        CANCELLED = "cancelled", "中止"

    body = models.ForeignKey(Body, verbose_name="会議体", on_delete=models.PROTECT, related_name="items")
    kind = models.CharField("種別", max_length=10, choices=Kind.choices, default=Kind.MEETING)
    fiscal_year = FiscalYearField("年度")
    planned_month = models.PositiveSmallIntegerField("予定月", validators=_month_validators)
    planned_date = models.DateField("予定日", null=True, blank=True)
    actual_date = models.DateField("実施日", null=True, blank=True)
    status = models.CharField("状況", max_length=10, choices=Status.choices, default=Status.PLANNED)
    subject = models.CharField("議題・報告事項", max_length=200, blank=True)
    phase = models.ForeignKey(
        Phase, verbose_name="検討段階", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    notes = LongTextField("備考", max_length=NOTE_MAX_LENGTH, blank=True)

    history = HistoricalRecords(
        verbose_name="会議・報告の予定の変更履歴", verbose_name_plural="会議・報告の予定の変更履歴"
    )

    class Meta:
        verbose_name = "会議・報告の予定"
        verbose_name_plural = "会議・報告の予定"
        # Months in fiscal order, April first: 10月 before 1月.
        ordering = ("fiscal_year", "body__order", fiscal.fiscal_month_order("planned_month"), "planned_date")
        indexes = [models.Index(fields=("fiscal_year", "body"), name="item_year_body")]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_month__gte=1, planned_month__lte=12),
                name="item_month_valid",
                violation_error_message="予定月は1から12で入力してください。",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(actual_date__isnull=False),
                name="item_held_has_actual_date",
                violation_error_message=HELD_NEEDS_ACTUAL_DATE,
            ),
            text_length_constraint("notes", NOTE_MAX_LENGTH, name="item_notes_max_length", label="備考"),
        ]

    def __str__(self):
        return f"{self.body.label} {fiscal.fiscal_year_label(self.fiscal_year)} {self.planned_month}月"

    @property
    def calendar_year(self) -> int:
        """The calendar year of the planned month: January–March fall in the next year."""
        return self.fiscal_year if self.planned_month >= 4 else self.fiscal_year + 1

    @property
    def due_date(self) -> date | None:
        """The day it is to take place: a postponed item's new date (its 実施日), else its 予定日;
        None while only the month is known. The same rule in SQL: item_due_date()."""
        if self.status == self.Status.POSTPONED and self.actual_date:
            return self.actual_date
        return self.planned_date

    def clean(self):
        super().clean()
        errors = {}
        if handled_fiscal_year(self.fiscal_year) and self.planned_month and 1 <= self.planned_month <= 12:
            if self.planned_date and (
                fiscal.fiscal_year_of(self.planned_date) != self.fiscal_year
                or self.planned_date.month != self.planned_month
            ):
                errors["planned_date"] = (
                    f"予定日は{fiscal.fiscal_year_label(self.fiscal_year)}の{self.planned_month}月"
                    f"({self.calendar_year}年{self.planned_month}月)の日付にしてください。"
                )
            if self.phase_id and self.phase.fiscal_year != self.fiscal_year:
                errors["phase"] = "検討段階の年度がこの予定の年度と違います。"
        if late := fiscal_window_error(self.actual_date, self.fiscal_year, "実施日"):
            errors["actual_date"] = late
        if self.status == self.Status.HELD and not self.actual_date and "actual_date" not in errors:
            errors["actual_date"] = HELD_NEEDS_ACTUAL_DATE
        today = clock.today()
        if self.status == self.Status.HELD and self.actual_date and self.actual_date > today:
            # A postponed item may carry its new, later date; a held one happened already.
            errors.setdefault(
                "actual_date",
                f"実施済の予定の実施日に先の日付は入力できません。今日({today:%Y/%m/%d})までの日付にしてください。",
            )
        if self.actual_date and self.status in (self.Status.PLANNED, self.Status.CANCELLED):
            errors["status"] = "実施日を入力した予定は、状況を「実施済」または「延期」にしてください。"
        if errors:
            raise ValidationError(errors)


def item_due_date():
    """SQL for ScheduledItem.due_date: a postponed item's 実施日 (its new date), else its 予定日."""
    return Case(
        When(status=ScheduledItem.Status.POSTPONED, actual_date__isnull=False, then=F("actual_date")),
        default=F("planned_date"),
        output_field=models.DateField(),
    )


def public_comment_start_month():
    """SQL for PublicCommentPeriod.start_month: the start date's month, else the planned start month."""
    return Coalesce(ExtractMonth("start_date"), F("planned_start_month"), output_field=models.IntegerField())


class PublicCommentPeriod(VersionedModel):
    """パブリック・コメント: the period, the comments received and when the answers were published."""

    body = models.ForeignKey(
        Body, verbose_name="会議体", on_delete=models.PROTECT, related_name="public_comments"
    )
    subject = models.CharField("案件名", max_length=200)
    fiscal_year = FiscalYearField("年度")
    planned_start_month = models.PositiveSmallIntegerField(
        "開始予定月", validators=_month_validators, help_text="日程が決まる前に、スケジュール表で➡を置く月。"
    )
    start_date = models.DateField("募集開始日(公表日)", null=True, blank=True)
    end_date = models.DateField("募集終了日", null=True, blank=True)
    comments_received = models.PositiveIntegerField("意見の件数", null=True, blank=True)
    answers_published_on = models.DateField("区の考え方の公表日", null=True, blank=True)
    notes = LongTextField("備考", max_length=NOTE_MAX_LENGTH, blank=True)

    history = HistoricalRecords(
        verbose_name="パブリック・コメントの変更履歴", verbose_name_plural="パブリック・コメントの変更履歴"
    )

    class Meta:
        verbose_name = "パブリック・コメント"
        verbose_name_plural = "パブリック・コメント"
        ordering = ("fiscal_year", fiscal.fiscal_month_order(public_comment_start_month()), "start_date")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="public_comment_end_after_start",
                violation_error_message="募集終了日は募集開始日より前にできません。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=False),
                name="public_comment_end_needs_start",
                violation_error_message="募集終了日を入れるときは募集開始日も入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(planned_start_month__gte=1, planned_start_month__lte=12),
                name="public_comment_month_valid",
                violation_error_message="開始予定月は1から12で入力してください。",
            ),
            text_length_constraint(
                "notes", NOTE_MAX_LENGTH, name="public_comment_notes_max_length", label="備考"
            ),
        ]

    def __str__(self):
        return f"{self.subject}({self.period_label})"

    @property
    def period_label(self) -> str:
        if self.start_date and self.end_date:
            return f"{self.start_date:%Y/%m/%d}〜{self.end_date:%Y/%m/%d}"
        return f"{fiscal.fiscal_year_label(self.fiscal_year)} {self.start_month}月開始予定"

    @property
    def start_month(self) -> int:
        return self.start_date.month if self.start_date else self.planned_start_month

    @property
    def days(self) -> int | None:
        """The length of the period, counting the day of publication as day 1."""
        if self.start_date and self.end_date:
            return (self.end_date - self.start_date).days + 1
        return None

    def months_covered(self) -> list[int]:
        """The months (in fiscal order) the period spans; just the start month while dates are unset."""
        if not (self.start_date and self.end_date):
            return [self.planned_start_month]
        months = []
        for year, month in fiscal.fiscal_months(self.fiscal_year):
            first = date(year, month, 1)
            if first <= self.end_date and (year, month) >= (self.start_date.year, self.start_date.month):
                months.append(month)
        return months

    def clean(self):
        super().clean()
        errors = {}
        minimum = settings.PUBLIC_COMMENT_MIN_DAYS
        if self.start_date and self.end_date and self.end_date >= self.start_date and self.days < minimum:
            errors["end_date"] = (
                f"意見募集期間は公表日を1日目として{minimum}日以上必要です(この入力では{self.days}日)。"
            )
        if (
            self.start_date
            and handled_fiscal_year(self.fiscal_year)
            and fiscal.fiscal_year_of(self.start_date) != self.fiscal_year
        ):
            errors["start_date"] = (
                f"募集開始日は{fiscal.fiscal_year_label(self.fiscal_year)}の日付にしてください。"
            )
        if self.answers_published_on and self.end_date and self.answers_published_on < self.end_date:
            errors["answers_published_on"] = "区の考え方の公表日は募集終了日以降の日付にしてください。"
        for field, label in (("end_date", "募集終了日"), ("answers_published_on", "区の考え方の公表日")):
            if field not in errors and (
                late := fiscal_window_error(getattr(self, field), self.fiscal_year, label)
            ):
                errors[field] = late
        if errors:
            raise ValidationError(errors)


class CalendarFeedKey(models.Model):
    """A user's key to the calendar feed (/schedule/calendar.ics) for calendar apps that cannot sign in.

    Only the random key is stored; the token in the subscription URL is the key and its HMAC
    under SECRET_KEY (schedule/feeds.py), so a copy of the database alone opens no feed. Resetting
    draws a new key, and the old URL stops working.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="利用者",
        on_delete=models.CASCADE,
        related_name="calendar_feed_key",
    )
    key = models.CharField("購読キー", max_length=32, unique=True)
    created_at = models.DateTimeField("発行日時", auto_now=True)

    class Meta:
        verbose_name = "カレンダー購読キー"
        verbose_name_plural = "カレンダー購読キー"

    def __str__(self):
        return f"{self.user}のカレンダー購読キー"
