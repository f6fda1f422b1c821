"""Collection rounds (進捗照会): the secretariat asks the departments for their figures, each
department answers in a draft it submits, and the secretariat accepts or returns the answer.

A round belongs to a plan and a fiscal year; each department asked has one Answer, with one
AnswerRow per measure of that department. An answer is not a progress report: accepting it makes
the reports (services.answer_transition, through measures.services). Every state change is a
Transition (who, when, from, to, the comment); every row is in the change history, so /timeline/
shows who opened the round, who entered each value, who submitted, returned and accepted.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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
from core.worker import START_EXPECTED_WITHIN
from measures.models import Department, Measure, Plan, ProgressReport, ProgressStatus


class DepartmentMember(models.Model):
    """A person who answers for a department (所管課担当). One person may answer for several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ユーザー",
        on_delete=models.CASCADE,
        related_name="department_memberships",
    )
    department = models.ForeignKey(
        Department, verbose_name="所管課", on_delete=models.CASCADE, related_name="members"
    )

    class Meta:
        verbose_name = "所管課の担当者"
        verbose_name_plural = "所管課の担当者"
        constraints = [
            models.UniqueConstraint(
                fields=("user", "department"),
                name="department_member_unique",
                violation_error_message="この職員はすでにこの所管課の担当者です。",
            )
        ]

    def __str__(self):
        return f"{self.department} {self.user}"


DEADLINE_BEFORE_AS_OF = "回答期限は報告基準日以降の日付にしてください。"


class Round(VersionedModel):
    """One request for figures (照会): a plan, a fiscal year, a 報告基準日 and a 回答期限."""

    class State(models.TextChoices):
        PREPARING = "preparing", "準備中"
        OPEN = "open", "照会中"
        CLOSED = "closed", "締切"
        DONE = "done", "完了"

    plan = models.ForeignKey(Plan, verbose_name="計画", on_delete=models.PROTECT, related_name="rounds")
    fiscal_year = FiscalYearField("年度")
    as_of = models.DateField("報告基準日")
    deadline = models.DateField("回答期限")
    message = LongTextField("依頼文", max_length=NOTE_MAX_LENGTH, blank=True)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.PREPARING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    opened_at = models.DateTimeField("照会日時", null=True, blank=True, editable=False)
    # The departments asked: one Answer each (no table of its own). Changed only by the services
    # (round_create, round_update), which make or remove the answers.
    departments = models.ManyToManyField(
        Department, through="Answer", verbose_name="照会する所管課", related_name="+", blank=True
    )

    history = HistoricalRecords(verbose_name="進捗照会の変更履歴", verbose_name_plural="進捗照会の変更履歴")

    class Meta:
        verbose_name = "進捗照会"
        verbose_name_plural = "進捗照会"
        ordering = ("-fiscal_year", "-as_of", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("plan", "fiscal_year", "as_of"),
                name="round_unique_per_plan_year_date",
                violation_error_message="この計画・年度・報告基準日の照会はすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("as_of")),
                name="round_deadline_after_as_of",
                violation_error_message=DEADLINE_BEFORE_AS_OF,
            ),
            text_length_constraint(
                "message", NOTE_MAX_LENGTH, name="round_message_max_length", label="依頼文"
            ),
        ]

    def __str__(self):
        return f"{fiscal.fiscal_year_label(self.fiscal_year)} 進捗照会({fiscal.wareki_date(self.as_of)}時点)"

    def clean(self):
        super().clean()
        errors = {}
        if self.plan_id is not None and handled_fiscal_year(self.fiscal_year):
            try:
                self.plan.require_fiscal_year(self.fiscal_year)
            except ValidationError as error:
                errors.update(error.message_dict)
        if handled_fiscal_year(self.fiscal_year) and self.as_of:
            year_start, _ = fiscal.fiscal_year_bounds(self.fiscal_year)
            if self.as_of < year_start:
                errors["as_of"] = [
                    f"報告基準日は{fiscal.fiscal_year_label(self.fiscal_year)}の開始日"
                    f"({year_start:%Y/%m/%d})以降にしてください。"
                ]
            elif late := fiscal_window_error(self.as_of, self.fiscal_year, "報告基準日"):
                errors["as_of"] = [late]
        if self.as_of and self.deadline and self.deadline < self.as_of and "as_of" not in errors:
            # The constraint's rule, said beside the 回答期限 (full_clean then skips the constraint).
            errors["deadline"] = [DEADLINE_BEFORE_AS_OF]
        if errors:
            raise ValidationError(errors)


class Answer(VersionedModel):
    """One department's answer to a round: 未着手 until someone enters a value, 入力中, 提出済, and then
    承認済 or 差戻し. The state changes only through services.answer_transition."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "未着手"
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "提出済"
        RETURNED = "returned", "差戻し"
        ACCEPTED = "accepted", "承認済"

    round = models.ForeignKey(
        Round, verbose_name="進捗照会", on_delete=models.CASCADE, related_name="answers"
    )
    department = models.ForeignKey(
        Department, verbose_name="所管課", on_delete=models.PROTECT, related_name="round_answers"
    )
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.NOT_STARTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出者",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True, editable=False)
    late = models.BooleanField("期限後", default=False, editable=False)
    return_reason = LongTextField("差戻しの理由", max_length=NOTE_MAX_LENGTH, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    accepted_at = models.DateTimeField("承認日時", null=True, blank=True, editable=False)

    history = HistoricalRecords(
        verbose_name="照会への回答の変更履歴", verbose_name_plural="照会への回答の変更履歴"
    )

    class Meta:
        verbose_name = "照会への回答"
        verbose_name_plural = "照会への回答"
        ordering = ("round", "department__order", "department__name")
        constraints = [
            models.UniqueConstraint(
                fields=("round", "department"),
                name="answer_one_per_department",
                violation_error_message="この照会にはこの所管課の回答がすでにあります。",
            ),
            text_length_constraint(
                "return_reason", NOTE_MAX_LENGTH, name="answer_return_reason_max_length", label="差戻しの理由"
            ),
        ]

    def __str__(self):
        return f"{self.round} {self.department}"

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_STATES


EDITABLE_STATES = (Answer.State.NOT_STARTED, Answer.State.DRAFT, Answer.State.RETURNED)
# The answers that still owe the secretariat their figures (reminders, 期限超過).
UNANSWERED_STATES = EDITABLE_STATES


def _not_negative(label: str) -> list[MinValueValidator]:
    return [MinValueValidator(0, message=f"{label}はマイナスにできません。0以上の数で入力してください。")]


class AnswerRow(VersionedModel):
    """One measure's figures in a department's answer: what becomes its progress report once accepted.

    Every field may be empty while the answer is 入力中; submitting checks each row as a report.
    """

    answer = models.ForeignKey(
        Answer, verbose_name="照会への回答", on_delete=models.CASCADE, related_name="rows"
    )
    measure = models.ForeignKey(Measure, verbose_name="施策", on_delete=models.PROTECT, related_name="+")
    actual_value = models.DecimalField(
        "実績値", max_digits=14, decimal_places=2, null=True, blank=True, validators=_not_negative("実績値")
    )
    status = models.ForeignKey(
        ProgressStatus,
        verbose_name="進捗状況",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    progress_percent = models.PositiveSmallIntegerField(
        "進捗率(%)",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, message="進捗率は0から100の範囲で入力してください。"),
            MaxValueValidator(100, message="進捗率は0から100の範囲で入力してください。"),
        ],
    )
    narrative = LongTextField("取組実績", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    issues = LongTextField("課題", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    next_steps = LongTextField("今後の方向性", max_length=NARRATIVE_MAX_LENGTH, blank=True)
    return_comment = LongTextField("差戻しのコメント", max_length=NOTE_MAX_LENGTH, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="入力者",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    entered_at = models.DateTimeField("入力日時", null=True, blank=True, editable=False)
    report = models.ForeignKey(
        ProgressReport,
        verbose_name="登録した進捗報告",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    history = HistoricalRecords(verbose_name="回答の行の変更履歴", verbose_name_plural="回答の行の変更履歴")

    class Meta:
        verbose_name = "回答の行"
        verbose_name_plural = "回答の行"
        ordering = ("answer", "measure__order", "measure__number")
        constraints = [
            models.UniqueConstraint(
                fields=("answer", "measure"),
                name="answer_row_one_per_measure",
                violation_error_message="この回答にはこの施策の行がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__isnull=True)
                | (Q(progress_percent__gte=0) & Q(progress_percent__lte=100)),
                name="answer_row_percent_0_100",
                violation_error_message="進捗率は0から100の範囲で入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(actual_value__isnull=True) | Q(actual_value__gte=0),
                name="answer_row_actual_not_negative",
                violation_error_message="実績値はマイナスにできません。0以上の数で入力してください。",
            ),
            text_length_constraint(
                "narrative", NARRATIVE_MAX_LENGTH, name="answer_row_narrative_max_length", label="取組実績"
            ),
            text_length_constraint(
                "issues", NARRATIVE_MAX_LENGTH, name="answer_row_issues_max_length", label="課題"
            ),
            text_length_constraint(
                "next_steps",
                NARRATIVE_MAX_LENGTH,
                name="answer_row_next_steps_max_length",
                label="今後の方向性",
            ),
            text_length_constraint(
                "return_comment",
                NOTE_MAX_LENGTH,
                name="answer_row_return_comment_max_length",
                label="差戻しのコメント",
            ),
        ]

    def __str__(self):
        return f"{self.measure}"

    def figures(self) -> dict[str, object]:
        """The figures entered (ROW_FIELDS), by name: what its report, or the template, is given."""
        return {name: getattr(self, name) for name in ROW_FIELDS}


# The figures a department enters, in the order of the form and the template.
ROW_FIELDS = ("actual_value", "status", "progress_percent", "narrative", "issues", "next_steps")


class Transition(models.Model):
    """A state change of a round or an answer: who, when, from which state to which, and why."""

    round = models.ForeignKey(
        Round, verbose_name="進捗照会", on_delete=models.CASCADE, related_name="transitions"
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name="照会への回答",
        on_delete=models.CASCADE,
        related_name="transitions",
        null=True,
        blank=True,
    )
    action = models.CharField("操作", max_length=20)
    from_state = models.CharField("変更前の状態", max_length=20)
    to_state = models.CharField("変更後の状態", max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作した職員",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    at = models.DateTimeField("日時")
    comment = LongTextField("コメント", max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = "状態の変更"
        verbose_name_plural = "状態の変更"
        ordering = ("at", "id")

    def __str__(self):
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Notification(models.Model):
    """An e-mail to one person, recorded before it is sent: its key makes each one once only (a
    reminder run twice sends nothing twice), and an unsent one is tried again by the next run of
    send_round_reminders."""

    class Kind(models.TextChoices):
        OPENED = "opened", "照会の開始"
        RETURNED = "returned", "差戻し"
        DUE_7 = "due_7", "回答期限の7日前"
        DUE_1 = "due_1", "回答期限の前日"
        OVERDUE = "overdue", "回答期限の経過"
        REMINDER = "reminder", "督促"

    key = models.CharField("キー", max_length=200, unique=True)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    round = models.ForeignKey(
        Round, verbose_name="進捗照会", on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="宛先", on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    created_at = models.DateTimeField("作成日時")
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("送信の試行回数", default=0)
    last_error = models.TextField("最後のエラー", blank=True)
    # Set while one run sends it (rounds.notifications._claim), so that no other run sends it too.
    claimed_at = models.DateTimeField("送信中の開始日時", null=True, blank=True)

    class Meta:
        verbose_name = "通知メール"
        verbose_name_plural = "通知メール"
        indexes = [
            models.Index(fields=("sent_at",), name="notification_unsent", condition=Q(sent_at__isnull=True))
        ]

    def __str__(self):
        return self.subject


# ---- 進捗のExcel取込: the secretariat's upload of filled-in templates (rounds.progress_imports) ----


class ProgressImportQuerySet(models.QuerySet):
    def waiting_too_long(self, now: datetime) -> ProgressImportQuerySet:
        """Not started START_EXPECTED_WITHIN after the upload: ProgressImport.is_waiting_too_long in SQL."""
        return self.filter(
            state=ProgressImport.State.READING,
            read_started_at__isnull=True,
            uploaded_at__lte=now - START_EXPECTED_WITHIN,
        )


class ProgressImport(models.Model):
    """One upload of filled-in templates: what it would add, what is wrong with it, and whether it was imported.

    The upload keeps the files (ProgressImportFile) until the worker has read them once
    (rounds.progress_imports.progress_import_read, with rounds.importing) into the rows kept here; the
    preview shows them, and the confirmation adds them (rounds.progress_imports). The files are then gone.
    """

    class State(models.TextChoices):
        READING = "reading", "読込中"
        PREVIEW = "preview", "確認待ち"
        IMPORTED = "imported", "取込済み"
        DISCARDED = "discarded", "取りやめ"
        READ_FAILED = "read_failed", "読込失敗"
        # Read, with no report to add and no problem: nothing to confirm, so it ends here.
        NOTHING = "nothing", "登録なし"

    # Nothing here is typed in a form (editable=False): the upload, the worker and the confirmation write it all.
    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.PROTECT, related_name="+", editable=False
    )
    fiscal_year = FiscalYearField("年度", editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取込者",
        on_delete=models.PROTECT,
        related_name="progress_imports",
        editable=False,
    )
    uploaded_at = models.DateTimeField("アップロード日時", auto_now_add=True)
    state = models.CharField(
        "状態", max_length=20, choices=State.choices, default=State.READING, editable=False
    )
    # Set by the worker as it begins: until then the upload waits in the queue (is_waiting_too_long).
    read_started_at = models.DateTimeField("読込開始日時", null=True, blank=True, editable=False)
    # [{"name"}] while the files wait to be read, then [{"name", "sha256"}] of each file that opened
    files = models.JSONField("ファイル", default=list, editable=False)
    # rounds.importing.NewReport and Problem, as dicts
    reports = models.JSONField("登録する報告", default=list, editable=False)
    problems = models.JSONField("問題", default=list, editable=False)
    # Problem dicts too, for what was left unread without stopping the upload (a note below the table)
    warnings = models.JSONField("注意", default=list, editable=False)
    # Each sheet of each file: {"file", "sheet", "year" (its label), "read", "reason" (why not read)}
    sheets = models.JSONField("シート", default=list, editable=False)
    unchanged_count = models.PositiveIntegerField("変更のない行", default=0, editable=False)
    blank_count = models.PositiveIntegerField("未記入の行", default=0, editable=False)
    imported_at = models.DateTimeField("取込日時", null=True, blank=True, editable=False)
    report_count = models.PositiveIntegerField("登録した報告", default=0, editable=False)

    objects = ProgressImportQuerySet.as_manager()

    class Meta:
        db_table = "reports_progressimport"  # made in reports; moved to rounds without touching the table
        verbose_name = "進捗のExcel取込"
        verbose_name_plural = "進捗のExcel取込"
        ordering = ("-uploaded_at", "-id")

    def __str__(self):
        return f"取込 {self.pk}({', '.join(f['name'] for f in self.files)})"

    @property
    def file_names(self) -> str:
        return "、".join(f["name"] for f in self.files)

    @property
    def is_waiting_too_long(self) -> bool:
        """Still not started by the worker START_EXPECTED_WITHIN after the upload (the same rule as a
        workbook's, WorkbookJob.is_waiting_too_long). In SQL: ProgressImportQuerySet.waiting_too_long()."""
        return (
            self.state == self.State.READING
            and self.read_started_at is None
            and self.uploaded_at <= clock.now() - START_EXPECTED_WITHIN
        )


class ProgressImportFile(models.Model):
    """One uploaded file's bytes, kept from the upload until the worker has read them, then deleted.

    In the database rather than on disk so that a worker on another host reads them too; an upload
    is at most the web server's 10 MB. Not in the backup (docs/operations.md): the bytes live seconds.
    """

    upload = models.ForeignKey(
        ProgressImport, verbose_name="取込", on_delete=models.CASCADE, related_name="stored_files"
    )
    position = models.PositiveSmallIntegerField("順番")  # as chosen: problems are listed file by file
    name = models.CharField("ファイル名", max_length=255)  # Django cuts an uploaded name to 255
    # As received. A file over the upload's size limit is not kept (content is empty): the reader
    # refuses it by this size with its usual message, as it did when it read the upload itself.
    size = models.PositiveBigIntegerField("サイズ(バイト)")
    content = models.BinaryField("内容")

    class Meta:
        db_table = "reports_progressimportfile"  # as ProgressImport's
        verbose_name = "読込待ちのファイル"
        verbose_name_plural = "読込待ちのファイル"
        ordering = ("upload", "position")
        constraints = [
            models.UniqueConstraint(fields=["upload", "position"], name="progressimportfile_unique_position")
        ]

    def __str__(self) -> str:
        return self.name
