"""The API's router: every endpoint under /api/, the OpenAPI schema and its Swagger UI (docs/api.md).

Each app owns its viewsets (measures/api.py, schedule/api.py, and reports/api.py for the
measures with their yearly progress); the project only puts them on one router.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import include, path
from django.utils.http import content_disposition_header
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers
from rest_framework.routers import DefaultRouter

from core.api import VisitorJsonMixin
from measures import api as measures_api
from reports import api as reports_api
from rounds import api as rounds_api
from schedule import api as schedule_api


class RootView(VisitorJsonMixin, routers.APIRootView):
    """The list of endpoints: in JSON for a visitor who is not signed in, as every list; titled and
    described in Japanese in the browsable API (DRF's reads "Api Root")."""

    name = settings.SPECTACULAR_SETTINGS["TITLE"]
    description = (
        "計画・目的・施策・年度目標・進捗報告と策定スケジュールの一覧です。"
        "説明と試し方は /api/docs/、OpenAPI の定義は /api/schema/ にあります。"
    )


class YamlPageRenderer(OpenApiYamlRenderer):
    """The schema in YAML for a browser (Accept: text/html), sent as plain text so that it is shown,
    not downloaded as a file of an unknown type (application/vnd.oai.openapi)."""

    media_type = "text/html"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "text/plain; charset=utf-8"
        return super().render(data, accepted_media_type, renderer_context)


class SchemaView(SpectacularAPIView):
    """/api/schema/: YAML (application/vnd.oai.openapi) for a program by default; for a browser,
    the same YAML as plain text, and ?format=json as application/json, both shown inline."""

    renderer_classes = [
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
        YamlPageRenderer,
        OpenApiJsonRenderer2,
        OpenApiJsonRenderer,
    ]

    def finalize_response(self, request, response, *args, **kwargs):
        # drf-spectacular names the file after the title, which Django then sends RFC 2047-encoded
        # (=?utf-8?b?…?=): no disposition a browser knows, so it saved the file instead of showing it.
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(response, "accepted_renderer", None)
        if response.status_code == 200 and renderer is not None:
            response["Content-Disposition"] = content_disposition_header(
                False, f"bunkyo-api.{renderer.format}"
            )
        return response


class Router(DefaultRouter):
    # /api/plans.json and the like would double every URL; ?format=json does the same.
    include_format_suffixes = False
    APIRootView = RootView


router = Router()
router.register("plans", measures_api.PlanViewSet, basename="plan")
router.register("purposes", measures_api.PurposeViewSet, basename="purpose")
router.register("measures", reports_api.MeasureViewSet, basename="measure")
router.register("annual-targets", measures_api.AnnualTargetViewSet, basename="annualtarget")
router.register("progress-reports", measures_api.ProgressReportViewSet, basename="progressreport")
router.register("departments", measures_api.DepartmentViewSet, basename="department")
router.register("keywords", measures_api.KeywordViewSet, basename="keyword")
router.register("technologies", measures_api.TechnologyViewSet, basename="technology")
router.register("bodies", schedule_api.BodyViewSet, basename="body")
router.register("phases", schedule_api.PhaseViewSet, basename="phase")
router.register("scheduled-items", schedule_api.ScheduledItemViewSet, basename="scheduleditem")
router.register("public-comments", schedule_api.PublicCommentPeriodViewSet, basename="publiccommentperiod")
# Collection rounds: the secretariat's and the departments' own (docs/api.md, "Collection rounds").
router.register("rounds", rounds_api.RoundViewSet, basename="round")
router.register("answers", rounds_api.AnswerViewSet, basename="answer")

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    # The page's own script comes from this URL too (?script), so the CSP's 'self' is enough.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
