"""進捗のExcel取込: the secretariat downloads a template per department, uploads the filled-in files,
checks the preview and confirms. Progress coming in, so it lives in rounds; its table keeps the name
it had in reports (ProgressImport.Meta.db_table), and the old addresses under /admin/reports/progressimport/
are redirected here (bunkyo.urls)."""

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core import fiscal
from core.users import display_name

from .collection import ProgressTemplate, template_response
from .forms import MAX_UPLOAD_FILES, TemplateForm, UploadForm
from .models import ProgressImport
from .progress_imports import (
    NOT_STARTED_NOTICE,
    READ_FAILED,
    progress_import_confirm,
    progress_import_discard,
    progress_import_status,
    progress_import_upload,
)
from .xlsx_upload import DEFAULT_LIMITS

ADD_REPORT = "measures.add_progressreport"


# ---- 進捗のExcel取込: templates out, filled-in files back, a preview, then the reports ---------------


@admin.register(ProgressImport)
class ProgressImportAdmin(admin.ModelAdmin):
    """The upload of filled-in templates. Its list is the record of every upload; adding one is
    the upload page, and an upload's page is its preview, where it is confirmed or dropped. While
    the worker reads the files, that page says so and follows the upload's status (status_view).

    Whoever may add progress reports may do all of it; nothing here is ever changed by hand.
    """

    list_display = (
        "number",
        "uploaded_label",
        "uploader",
        "file_names",
        "target_label",
        "state",
        "report_count",
    )
    list_display_links = ("number", "uploaded_label")
    list_filter = ("state",)
    list_select_related = ("plan", "uploaded_by", "uploaded_by__staff_profile")
    list_per_page = 50

    def get_fields(self, request, obj=None):
        return []  # nothing is edited here: an upload is added by its own page (add_view)

    def _may_import(self, request) -> bool:
        return request.user.has_perm(ADD_REPORT)

    def has_module_permission(self, request):
        return self._may_import(request)

    def has_view_permission(self, request, obj=None):
        return self._may_import(request)

    def has_add_permission(self, request):
        return self._may_import(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        context = {"title": "進捗のExcel取込の記録", **self._section(), **(extra_context or {})}
        return super().changelist_view(request, context)

    def _section(self) -> dict:
        """The breadcrumb's section: where the admin's menu lists the uploads (計画・施策・進捗), not
        this app's own name."""
        find = getattr(self.admin_site, "menu_section", None)
        title, label = (find and find(self.opts.app_label, self.opts.model_name)) or (
            self.opts.app_config.verbose_name,
            self.opts.app_label,
        )
        return {"section_title": title, "section_app_label": label}

    @admin.display(description="取込番号", ordering="pk")
    def number(self, upload):
        return upload.pk

    @admin.display(description="アップロード日時", ordering="uploaded_at")
    def uploaded_label(self, upload):
        return fiscal.wareki_datetime(upload.uploaded_at)

    @admin.display(description="取込者", ordering="uploaded_by__username")
    def uploader(self, upload):
        return display_name(upload.uploaded_by)

    @admin.display(description="計画と年度")
    def target_label(self, upload):
        return f"{upload.plan.name} {fiscal.fiscal_year_label(upload.fiscal_year)}"

    @admin.display(description="ファイル")
    def file_names(self, upload):
        return upload.file_names

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("template/", view(self.template_view), name="rounds_progressimport_template"),
            path("<int:object_id>/preview/", view(self.preview_view), name="rounds_progressimport_preview"),
            path("<int:object_id>/status.json", view(self.status_view), name="rounds_progressimport_status"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **self._section(), **extra}

    def _upload_page(self, request, *, upload_form=None, template_form=None, status=200):
        context = self._context(
            request,
            title="進捗のExcel取込",
            upload_form=upload_form or UploadForm(),
            template_form=template_form or TemplateForm(),
            limits=DEFAULT_LIMITS,
            max_rows=f"{DEFAULT_LIMITS.max_rows:,}",
            max_files=MAX_UPLOAD_FILES,
            recent=ProgressImport.objects.all()[:5],
        )
        return TemplateResponse(request, "admin/rounds/progressimport/upload.html", context, status=status)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._upload_page(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._upload_page(request, upload_form=form, status=400)
        files = [(file.name, file) for file in form.cleaned_data["files"]]
        # The files are kept and read by the worker: the preview page follows the reading.
        upload = progress_import_upload(scope=form.cleaned_data["target"], files=files, user=request.user)
        return HttpResponseRedirect(reverse("admin:rounds_progressimport_preview", args=[upload.pk]))

    def template_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TemplateForm(request.GET)
        if not form.is_valid():
            return self._upload_page(request, template_form=form, status=400)
        scope = form.cleaned_data["target"]
        return template_response(
            ProgressTemplate(
                plan=scope.plan, fiscal_year=scope.fiscal_year, department=form.cleaned_data["department"]
            )
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not re.fullmatch(r"[0-9]+", str(object_id)):  # isdigit() takes "１" and "²" too
            raise Http404("指定された取込は見つかりません。")
        return HttpResponseRedirect(reverse("admin:rounds_progressimport_preview", args=[object_id]))

    def _upload_or_404(self, request, object_id, queryset=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        upload = (queryset if queryset is not None else ProgressImport.objects).filter(pk=object_id).first()
        if upload is None:
            raise Http404("指定された取込は見つかりません。")
        return upload

    def status_view(self, request, object_id):
        """The upload's state for the preview page's script while the worker reads the files (JSON)."""
        return JsonResponse(progress_import_status(self._upload_or_404(request, object_id)))

    def preview_view(self, request, object_id):
        upload = self._upload_or_404(
            request, object_id, ProgressImport.objects.select_related("plan", "uploaded_by")
        )
        error = None
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "confirm":
                    upload = progress_import_confirm(upload=upload, user=request.user)
                    self.log_addition(request, upload, f"進捗報告{upload.report_count}件をExcelから登録")
                    self.message_user(
                        request,
                        f"進捗報告を{upload.report_count}件登録しました(取込番号{upload.pk})。",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:rounds_progressimport_changelist"))
                if action == "discard":
                    progress_import_discard(upload=upload, user=request.user)
                    self.message_user(request, f"取込番号{upload.pk}を取りやめました。何も登録していません。")
                    return HttpResponseRedirect(reverse("admin:rounds_progressimport_add"))
                error = "操作を選び直してください。"
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except PermissionDenied as exc:
                error = str(exc)
            upload.refresh_from_db()
        context = self._context(
            request,
            title=f"取込番号{upload.pk}の確認",
            upload=upload,
            target_label=self.target_label(upload),
            uploader=display_name(upload.uploaded_by),
            uploaded_label=self.uploaded_label(upload),
            error=error,
            read_failed=READ_FAILED,
            not_started_notice=NOT_STARTED_NOTICE,
            may_confirm=(
                upload.state == ProgressImport.State.PREVIEW
                and not upload.problems
                and upload.reports
                and upload.uploaded_by_id == request.user.pk
            ),
        )
        return TemplateResponse(
            request,
            "admin/rounds/progressimport/preview.html",
            context,
            status=400 if error else 200,
        )
