"""Names that are used, though no Python here reads them: for vulture (make lint), never imported.

Whole families (Meta, the admin's and DRF's options, get_*, clean_*, commands ...) are ignored in
pyproject.toml's [tool.vulture]. What is listed here was checked to be read where vulture cannot
see: a dotted path in a string, a template, a library that reads an attribute we set. A name that
is really unused is deleted, not listed. Each line is an expression that does nothing (vulture
counts it as a use), hence the noqa.
"""

# ruff: noqa: B018

from types import SimpleNamespace

_ = SimpleNamespace()

# Named by a dotted path in bunkyo/settings.py (middleware, context processor, log formatter and
# filter, DRF's classes and functions, drf-spectacular's hook, the admin site, axes' callable).
_.DatabaseBusyMiddleware
_.user_role
_.RequestLogFormatter
_.HideFeedToken
_.ApiPermission
_.VisitorRateThrottle
_.UserRateThrottle
_.ThrottleCache  # CACHES["throttle"]
_.view_name
_.declare_errors_and_format
_.client_address
_.BunkyoAdminSite  # bunkyo.admin_site.BunkyoAdminConfig.default_site
# The tasks' names until issue 23, and the upload's task's name in reports until issue 24, under
# which tasks queued before the upgrade are stored (django_tasks_db keeps a task's dotted path): reports/tasks.py.
_.build_workbook_task
_.read_progress_import_task
_.progress_import_read_task
# DRF's hooks on a serializer, which DRF calls or reads by name: reports/api.py.
_.many_init
_.serializer_related_field
# DRF's pagination option, read by PageNumberPagination.paginate_queryset: core/api.py.
_.django_paginator_class
# Called by a migration (bunkyo/migrations/, which vulture skips).
_.sync_groups_migration
# drf-spectacular's extensions: registered by subclassing, their options read by the library.
_.SerializerExtension
_.FilterSetExtension

# Read by templates ({{ x.name }}), by name.
_.admin_reports  # bunkyo/home.html
_.schedule_items
_.print_url
_.is_current
_.more
_.overdue_items
_.admin_url  # bunkyo/timeline.html
_.indicators  # reports' pages
_.is_finished
_.status_counts
_.grade_counts
_.row_span
_.year_lines
_.as_of_note
_.running_title
_.running_date
_.measure_link_query
_.box_x  # measures/_grade_chart.html
_.dark
_.text_y
_.note_x
_.bar_height
_.is_empty
_.level_label  # schedule's pages
_.check_level
_.starts_here
_.public_comments
_.unchanged_count  # admin/rounds/progressimport/
_.blank_count
_.imported_at
_.target_revised  # opendata/public/ (the public pages)
_.latest_figures_on
_.measure_total
_.chart_bars
_.chart_height
_.rules  # opendata/public/accessibility_results.html
_.tested_on
_.axe_version
_.criteria
_.violation_count
_.conformance

# Declared fields, which the declaring class's metaclass collects by name: FilterSets' filters,
# serializers' fields (each also in its Meta.fields), forms' fields, and model fields read and
# written through the ORM's keyword arguments, the admin and the templates.
_.updated_since
_.reported_until
_.held_until
_.keyword
_.technology
_.evaluation
_.evaluation_label
_.evaluation_grades
_.status_label
_.status_name
_.author_name
_.withdrawn_by_name
_.withdrawal_reason
_.report_id
_.report_as_of
_.purpose_code
_.kind_label
_.body_name
_.loaded_state
_.field_order  # reports.filters.ReportScopeForm, a Django form option
_.legal_basis
_.evaluation_scale
_.division
_.baseline_value
_.requested_by
_.finished_at

# Attributes of other libraries' objects that we set and they read.
_.freeze_panes  # openpyxl: the sheets' layout, the chart, data validation, document properties
_.orientation
_.paperSize
_.fitToPage
_.fitToHeight
_.fitToWidth
_.pageOrder
_.page_margins
_.horizontalCentered
_.print_title_rows
_.print_title_cols
_.grouping
_.overlap
_.majorGridlines
_.majorUnit
_.numFmt
_.cat
_.pattFill
_.solidFill
_.txPr
_.error_style
_.showErrorMessage
_.creator
_.forbid_dtd  # defusedxml's SAX parser
_.msg  # logging.LogRecord
_.models_module  # an AppConfig, while bunkyo.roles creates the permissions
_.ROOT_URLCONF  # django.conf.settings, in benchmarks/home_page.py
_.handler404  # bunkyo/urls.py: the root URLconf's 404 view, which Django's resolver reads by name
_.allow_multiple_selected  # a Django file widget

# Collection rounds (rounds/): model fields written by the services and read by the templates, the
# history and /timeline/; the row form's hook, which Django's ModelForm metaclass reads.
_.created_by
_.opened_at
_.submitted_at
_.accepted_at
_.entered_at
_.from_state
_.to_state
_.at
_.sent_at
_.attempts
_.last_error
_.formfield_callback
_.rounds_requests  # bunkyo/home.html
# Collection rounds' API (rounds/api.py, serializers.py, filters.py): DRF's and django-filter's
# declared options and fields, read by name.
_.permission_classes
_.round_id
_.state_label
_.entered_by_name
_.submitted_by_name
_.claimed_at  # rounds.models.Notification: written and read through update() and Q() in rounds.notifications._claim
