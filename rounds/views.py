"""The pages of collection rounds, outside the admin: the secretariat's list, new round, dashboard
and review; a department's answer. Views check who may open the page, call a service or a
selector, and render; a refused save comes back as the page with what was typed and the reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import clock
from core.clock import today
from core.history import shown_value
from core.pages import private_page
from core.versioning import merged_message
from measures.selectors import plan_current

from .answer_excel import AnswerFileRefused, answer_file_data, answer_file_read, answer_template_response
from .forms import AnswerFileForm, AnswerRowFormSet, MoveForm, RoundEditForm, RoundForm
from .models import Answer, AnswerRow, Round
from .selectors import (
    answer_open_to_department,
    answer_overdue,
    answer_rows_read,
    answers_of_user,
    round_dashboard,
    rounds_list,
    user_answers_for,
    user_department_ids,
)
from .services import (
    ANSWER_MOVES,
    MANAGE_ROUNDS,
    NO_VERSION,
    ROUND_MOVES,
    RowErrors,
    answer_rows_save,
    answer_transition,
    departments_of_plan,
    round_copy,
    round_create,
    round_remind,
    round_require_editable,
    round_transition,
    round_update,
)

ROWS_PREFIX = "rows"


def _secretariat(user) -> None:
    if not user.has_perm(MANAGE_ROUNDS):
        raise PermissionDenied


def _messages_of(error: ValidationError) -> list[str]:
    return [message for message in error.messages]


@private_page
@require_http_methods(["GET", "HEAD"])
@login_required
def index(request):
    """The secretariat's rounds; a department member's requests, old and new."""
    manages = request.user.has_perm(MANAGE_ROUNDS)
    if not manages and not user_department_ids(request.user):
        raise PermissionDenied
    context = {
        "manages": manages,
        "rounds": list(rounds_list()) if manages else None,
        "answers": list(answers_of_user(request.user)),
        "today": today(),
    }
    return render(request, "rounds/index.html", context)


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def create(request):
    _secretariat(request.user)
    plan = plan_current()
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                round_ = round_create(
                    plan=data["plan"],
                    fiscal_year=data["fiscal_year"],
                    as_of=data["as_of"],
                    deadline=data["deadline"],
                    message=data["message"],
                    departments=data["departments"] or None,
                    by=request.user,
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, f"{round_}を作成しました(準備中)。内容を確かめて、照会を開始してください。"
                )
                return redirect("rounds:dashboard", round_.pk)
        return render(request, "rounds/create.html", {"form": form}, status=400)
    initial = {"plan": plan, "departments": departments_of_plan(plan) if plan else []}
    return render(request, "rounds/create.html", {"form": RoundForm(initial=initial)})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@private_page
@require_http_methods(["GET", "HEAD"])
@login_required
def dashboard(request, pk: int):
    _secretariat(request.user)
    round_ = get_object_or_404(Round.objects.select_related("plan", "created_by"), pk=pk)
    context = {"board": round_dashboard(round_), "round": round_, "moves": _round_moves(round_)}
    return render(request, "rounds/dashboard.html", context)


def _round_moves(round_: Round) -> list[tuple[str, str]]:
    return [(action, move.label) for action, move in ROUND_MOVES.items() if round_.state in move.sources]


@private_page
@require_POST
@login_required
def move(request, pk: int):
    """Open, close, resume or complete a round (the dashboard's buttons)."""
    _secretariat(request.user)
    round_ = get_object_or_404(Round, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            NO_VERSION
            if "version" in form.errors
            else "操作を読み取れませんでした。画面を開き直してください。",
        )
        return redirect("rounds:dashboard", pk)
    data = form.cleaned_data
    try:
        round_ = round_transition(
            round_=round_,
            action=data["action"],
            by=request.user,
            loaded_version=data["version"],
            comment=data["comment"],
        )
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    else:
        messages.success(request, f"{round_}を「{round_.get_state_display()}」にしました。")
    return redirect("rounds:dashboard", pk)


@private_page
@require_POST
@login_required
def remind(request, pk: int):
    _secretariat(request.user)
    round_ = get_object_or_404(Round, pk=pk)
    try:
        count = round_remind(round_=round_, by=request.user)
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    else:
        if count:
            messages.success(request, f"未提出の所管課の担当者{count}人に督促のメールを送りました。")
        else:
            messages.info(
                request, "督促するメールはありません(未提出の所管課がないか、今日すでに送っています)。"
            )
    return redirect("rounds:dashboard", pk)


@private_page
@require_POST
@login_required
def copy(request, pk: int):
    _secretariat(request.user)
    source = get_object_or_404(Round.objects.select_related("plan"), pk=pk)
    try:
        round_ = round_copy(source=source, by=request.user)
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
        return redirect("rounds:dashboard", pk)
    messages.success(
        request, f"{source}をもとに{round_}を作成しました(準備中)。日付と依頼文を確かめてください。"
    )
    return redirect("rounds:dashboard", round_.pk)


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit(request, pk: int):
    """Change a round while it is 準備中 (round_update). A colleague's save since the page was opened
    is merged field by field (RoundEditForm); a refusal comes back beside the fields, the input kept."""
    _secretariat(request.user)
    round_ = get_object_or_404(Round.objects.select_related("plan"), pk=pk)
    if request.method != "POST":
        try:
            round_require_editable(round_)
        except ValidationError as error:
            for message in _messages_of(error):
                messages.error(request, message)
            return redirect("rounds:dashboard", pk)
        return render(request, "rounds/edit.html", {"form": RoundEditForm(instance=round_), "round": round_})
    with transaction.atomic():
        # Locked until the save ends (PostgreSQL): the row merged against is the row saved.
        round_ = Round.objects.select_for_update().select_related("plan").get(pk=pk)
        form = RoundEditForm(request.POST, instance=round_)
        try:
            round_require_editable(round_)  # first: an opened round is refused whatever was typed
        except ValidationError as error:
            form.is_valid()
            form.add_error(None, error)
        if form.is_valid():
            data = form.cleaned_data
            version = round_.version
            try:
                updated = round_update(
                    round_=round_,
                    fiscal_year=data["fiscal_year"],
                    as_of=data["as_of"],
                    deadline=data["deadline"],
                    message=data["message"],
                    departments=data["departments"],
                    by=request.user,
                    loaded_version=data["version"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if updated.version == version:
                    messages.info(request, "変更はありませんでした。")
                else:
                    messages.success(request, f"{updated}の内容を変更しました(準備中)。")
                if form.merged_fields:
                    messages.info(request, merged_message(form))
                return redirect("rounds:dashboard", pk)
    round_.refresh_from_db()
    return render(request, "rounds/edit.html", {"form": form, "round": round_}, status=400)


def _answer_or_404(pk: int) -> Answer:
    return get_object_or_404(
        Answer.objects.select_related("round__plan", "department", "submitted_by"), pk=pk
    )


def _rows_queryset(answer: Answer):
    return answer.rows.select_related("measure", "status", "entered_by").order_by(
        "measure__order", "measure__number"
    )


def _rows_locked(answer: Answer):
    """The answer, then its rows, locked until the save ends (PostgreSQL), in the services' order
    (answer, then rows: no deadlock with a review): the rows the form merges against are the ones it
    writes, so a colleague's save cannot slip in between and be overwritten."""
    Answer.objects.select_for_update().filter(pk=answer.pk).values_list("pk").first()
    return _rows_queryset(answer).select_for_update(of=("self",))


def _is_row_id(text: str) -> bool:
    """ASCII digits only: "²".isdigit() is true, and int() refuses it."""
    return text.isascii() and text.isdecimal()


def _row_errors(formset, error: RowErrors) -> None:
    """Each row's refusal beside its fields (or above the row for a rule of the whole row)."""
    for form in formset.forms:
        row_error = error.rows.get(form.instance.pk)
        if row_error is None:
            continue
        for name, errors in row_error.update_error_dict({}).items():
            form.add_error(name if name in form.fields else None, errors)


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def answer(request, pk: int):
    """A department's answer: one card per measure, saved as a draft, submitted, recalled."""
    answer = _answer_or_404(pk)
    member = user_answers_for(request.user, answer)
    secretariat = request.user.has_perm(MANAGE_ROUNDS)
    if not member and not secretariat:
        raise PermissionDenied  # another department's draft is never shown
    if not secretariat and not answer_open_to_department(answer):
        raise Http404  # 準備中: not asked yet, as in the department's list and the API
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not member:
            raise PermissionDenied
        action = request.POST.get("action", "save")
        if action == "recall":
            return _answer_recall(request, answer)
        autosave = action == "autosave"
        with transaction.atomic():
            formset = AnswerRowFormSet(request.POST, queryset=_rows_locked(answer), prefix=ROWS_PREFIX)
            done = False
            if formset.is_valid():
                try:
                    if autosave:
                        return _answer_autosave(request, answer, formset)
                    done = _answer_save(request, answer, formset, submit=action == "submit")
                except RowErrors as error:
                    errors.append(error.message)
                    _row_errors(formset, error)
                except ValidationError as error:
                    errors.extend(_messages_of(error))
            else:
                errors.append(
                    "入力に誤りがあります。各欄のメッセージを確かめてください。入力した内容はそのまま残っています。"
                )
            if not done:
                transaction.set_rollback(True)
        if done:
            return redirect("rounds:answer", pk)
        if autosave:
            # The page keeps what was typed; 下書きを保存 shows the reasons beside the fields.
            return JsonResponse({"saved": False, "message": AUTOSAVE_FAILED}, status=400)
        status = 400
        answer.refresh_from_db()
    else:
        formset = AnswerRowFormSet(queryset=_rows_queryset(answer), prefix=ROWS_PREFIX)
    return _answer_page(request, answer, formset, member=member, errors=errors, status=status)


def _answer_editable(answer: Answer, member: bool) -> bool:
    return member and answer.editable and answer.round.state == Round.State.OPEN


def _answer_page(request, answer: Answer, formset, *, member: bool, errors, status=200, **extra):
    rows = answer_rows_read(answer, [form.instance for form in formset.forms])
    context = {
        "answer": answer,
        "round": answer.round,
        "formset": formset,
        "cards": list(zip(formset.forms, rows, strict=True)),
        "editable": _answer_editable(answer, member),
        "member": member,
        "errors": errors,
        "overdue": answer_overdue(answer),
        "can_recall": member
        and answer.state in ANSWER_MOVES["recall"].sources
        and answer.round.state == Round.State.OPEN,
        "file_form": extra.pop("file_form", None) or AnswerFileForm(),
        "may_download": member or request.user.has_perm(MANAGE_ROUNDS),
        **extra,
    }
    return render(request, "rounds/answer.html", context, status=status)


@private_page
@require_http_methods(["GET", "HEAD"])
@login_required
def answer_xlsx(request, pk: int):
    """Excelでダウンロード: the answer's template, its measures prefilled with the draft. For the
    department's members, and for the secretariat (any department's)."""
    answer = _answer_or_404(pk)
    secretariat = request.user.has_perm(MANAGE_ROUNDS)
    if not user_answers_for(request.user, answer) and not secretariat:
        raise PermissionDenied
    if not secretariat and not answer_open_to_department(answer):
        raise Http404
    return answer_template_response(answer)


def _upload_refusal(answer: Answer) -> str | None:
    """Why the draft cannot take a file now (the round or the answer's state), or None."""
    if answer.round.state != Round.State.OPEN:
        return f"この照会は今「{answer.round.get_state_display()}」のため、Excelから取り込めません。"
    if not answer.editable:
        recall = "提出を引き戻すと、また取り込めます。" if answer.state == Answer.State.SUBMITTED else ""
        return f"この回答は今「{answer.get_state_display()}」のため、Excelから取り込めません。{recall}"
    return None


@private_page
@require_POST
@login_required
def answer_upload(request, pk: int):
    """Excelで取り込む: the file read into the draft's page, bound to its values and merged with what
    colleagues saved since the file was made; nothing is saved until 下書きを保存 (answer_rows_save).
    A file that is not this answer's, or a row of another measure, is refused beside the file field."""
    answer = _answer_or_404(pk)
    if not user_answers_for(request.user, answer):
        raise PermissionDenied  # the secretariat downloads; only the department fills its draft
    if not answer_open_to_department(answer):
        raise Http404
    file_form = AnswerFileForm(request.POST, request.FILES)
    read = None
    if file_form.is_valid():
        if refusal := _upload_refusal(answer):
            file_form.add_error("file", refusal)
        else:
            upload = file_form.cleaned_data["file"]
            try:
                read = answer_file_read(answer=answer, file=upload, name=upload.name)
            except AnswerFileRefused as refused:
                for message in refused.messages:
                    file_form.add_error("file", message)
    if read is None:
        formset = AnswerRowFormSet(queryset=_rows_queryset(answer), prefix=ROWS_PREFIX)
        return _answer_page(
            request,
            answer,
            formset,
            member=True,
            errors=[
                "Excelファイルを取り込めませんでした。ファイルの欄のメッセージを確かめてください。下書きは変わっていません。"
            ],
            status=400,
            file_form=file_form,
        )
    rows = list(_rows_queryset(answer))
    data = answer_file_data(answer=answer, rows=rows, read=read, prefix=ROWS_PREFIX)
    formset = AnswerRowFormSet(data, queryset=_rows_queryset(answer), prefix=ROWS_PREFIX)
    valid = formset.is_valid()  # the cell checks of the web form, and the merge with colleagues' saves
    changes = _file_changes(formset, {row.pk: row for row in rows})
    errors = (
        []
        if valid
        else [
            "取り込んだ内容に、確かめる項目があります。各欄のメッセージを見て直してから「下書きを保存」を押してください。"
        ]
    )
    return _answer_page(
        request,
        answer,
        formset,
        member=True,
        errors=errors,
        status=200 if valid else 400,
        preview=True,
        changes=changes,
        file_name=file_form.cleaned_data["file"].name,
    )


def _file_changes(formset, current: dict[int, AnswerRow]) -> list[tuple[str, str, str, str]]:
    """(施策, 項目, 今の下書き, 取り込む値) for every figure the file changes (``current``: the rows as
    read before the form was checked, which sets the figures on its own instances)."""
    changes = []
    for form in formset.forms:
        row = current[form.instance.pk]
        for name in form.changed_data:
            if name == "version" or name not in form.fields:
                continue
            cleaned = getattr(form, "cleaned_data", {})
            if name not in cleaned:
                continue  # refused or in conflict: told beside the field
            model_field = AnswerRow._meta.get_field(name)
            mine = cleaned[name]
            before, after = shown_value(model_field, getattr(row, name)), shown_value(model_field, mine)
            if before != after:  # not a colleague's change the merge took in
                changes.append(
                    (
                        f"{row.measure.number}. {row.measure.title}",
                        str(form.fields[name].label),
                        before,
                        after,
                    )
                )
    return changes


def _answer_save(request, answer: Answer, formset, *, submit: bool) -> bool:
    """Save the rows this person changed, then submit when asked. True when everything was saved."""
    loaded_version = _posted_version(request)
    before = answer.state
    rows = [form.save(commit=False) for form in formset.forms if set(form.changed_data) - {"version"}]
    current = answer
    if rows:
        current = answer_rows_save(answer=answer, rows=rows, by=request.user)
        if current.state != before and loaded_version == answer.version:
            loaded_version = current.version  # this save's own move to 入力中
    merged = [form.merged_by for form in formset.forms if form.merged_fields]
    if submit:
        current = answer_transition(
            answer=current, action="submit", by=request.user, loaded_version=loaded_version
        )
        late = "(期限後)" if current.late else ""
        messages.success(request, f"回答を提出しました{late}。事務局が確かめます。")
    elif rows:
        messages.success(request, f"{len(rows)}件の施策の入力を保存しました(下書き)。まだ提出していません。")
    else:
        messages.info(request, "変更はありませんでした。")
    if merged:
        messages.info(
            request,
            f"開いた後に{'、'.join(sorted(set(merged)))}が保存した変更は、そのまま残して合わせて保存しました。",
        )
    return True


AUTOSAVE_FAILED = "自動保存できませんでした。「下書きを保存」を押すと、理由を各欄に表示します。入力はこの画面に残っています。"


def _answer_autosave(request, answer: Answer, formset) -> JsonResponse:
    """The draft saved as the person types (rounds/static/rounds/answer.js): the rows changed, and
    for every row the version and loaded values the page must now hold, so that the next save
    merges with the right base (a colleague's change since is still merged, not overwritten)."""
    rows = [form.save(commit=False) for form in formset.forms if set(form.changed_data) - {"version"}]
    # What a colleague saved since the page was loaded and this save merged in (the form's data took
    # their value): the page must show it, or the next save would send the old value as this person's.
    merged = {
        key: form.data.get(key)
        for form in formset.forms
        if form.merged_fields
        for key in form.data
        if key.startswith(f"{form.prefix}-")
        and not key.endswith(("-version", "-loaded_state"))
        and form.data.get(key) != request.POST.get(key)
    }
    current = answer_rows_save(answer=answer, rows=rows, by=request.user) if rows else answer
    fresh = AnswerRowFormSet(queryset=_rows_queryset(answer), prefix=ROWS_PREFIX)
    rows_state = {
        form.prefix: {"version": form.instance.version, "state": form.fields["version"].widget.state}
        for form in fresh.forms
    }
    saved_at = timezone.localtime(clock.now()).strftime("%H:%M")
    return JsonResponse(
        {
            "saved": True,
            "message": f"{saved_at} 下書きを自動保存しました(まだ提出していません)。" if rows else "",
            "rows": rows_state,
            "values": merged,
            "answer_version": current.version,
        }
    )


def _posted_version(request) -> int | None:
    try:
        return int(request.POST.get("answer_version", ""))
    except ValueError:
        return None


def _answer_recall(request, answer: Answer):
    try:
        answer_transition(
            answer=answer, action="recall", by=request.user, loaded_version=_posted_version(request)
        )
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    else:
        messages.success(request, "提出を引き戻しました。直してから、もう一度提出してください。")
    return redirect("rounds:answer", answer.pk)


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def review(request, pk: int):
    """The secretariat's review: the answer beside the current figures, changes marked; 承認 adds
    every row as a progress report, 差戻し returns it with a reason, 再開 reopens an accepted one."""
    _secretariat(request.user)
    answer = _answer_or_404(pk)
    form = MoveForm(request.POST or None)
    row_comments = {}
    errors: list[str] = []
    row_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST":
        row_comments = {
            int(key.removeprefix("row-comment-")): value
            for key, value in request.POST.items()
            if key.startswith("row-comment-") and _is_row_id(key.removeprefix("row-comment-"))
        }
        if form.is_valid():
            data = form.cleaned_data
            try:
                answer = answer_transition(
                    answer=answer,
                    action=data["action"],
                    by=request.user,
                    loaded_version=data["version"],
                    comment=data["comment"],
                    row_comments=row_comments,
                )
            except RowErrors as error:
                errors.append(error.message)
                row_errors = {pk: list(e.messages) for pk, e in error.rows.items()}
            except ValidationError as error:
                if hasattr(error, "error_dict") and "comment" in error.error_dict:
                    form.add_error("comment", error.error_dict["comment"])
                else:
                    errors.extend(_messages_of(error))
            else:
                messages.success(
                    request, f"{answer.department}の回答を「{answer.get_state_display()}」にしました。"
                )
                return redirect("rounds:review", pk)
        else:
            errors.extend(form.errors.get("version", []))
        status = 400
        answer = _answer_or_404(pk)
    rows = answer_rows_read(answer)
    context = {
        "answer": answer,
        "round": answer.round,
        "rows": [
            (row, row_errors.get(row.row.pk, []), row_comments.get(row.row.pk, row.row.return_comment))
            for row in rows
        ],
        "form": form,
        "errors": errors,
        "moves": [
            (action, move.label)
            for action, move in ANSWER_MOVES.items()
            if move.who == "secretariat" and answer.state in move.sources
        ],
    }
    return render(request, "rounds/review.html", context, status=status)
