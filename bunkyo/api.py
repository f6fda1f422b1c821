"""The API's router: every endpoint under /api/, the OpenAPI schema and its Swagger UI (docs/api.md).

Each app owns its viewsets (measures/api.py, schedule/api.py, and reports/api.py for the
measures with their yearly progress); the project only puts them on one router.
"""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers
from rest_framework.routers import DefaultRouter

from core.api import VisitorJsonMixin
from measures import api as measures_api
from reports import api as reports_api
from schedule import api as schedule_api


class RootView(VisitorJsonMixin, routers.APIRootView):
    """The list of endpoints: in JSON for a visitor who is not signed in, as every list."""


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

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page's own script comes from this URL too (?script), so the CSP's 'self' is enough.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
