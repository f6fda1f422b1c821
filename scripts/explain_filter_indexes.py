"""EXPLAIN the list filters and orderings that measures/0009_filter_indexes serves (docs/PERFORMANCE.md).

    DATABASE_URL=$(PGTEST_DB=scale scripts/start_postgres.sh)
    DATABASE_URL=$DATABASE_URL .venv/bin/python manage.py migrate
    DATABASE_URL=$DATABASE_URL .venv/bin/python manage.py generate_synthetic_plans --plans 10 --measures-per-plan 5000
    DATABASE_URL=$DATABASE_URL .venv/bin/python scripts/explain_filter_indexes.py

Each query is built by the ORM as the page builds it, and explained with ANALYZE on PostgreSQL.
"""

import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bunkyo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from measures.models import AnnualTarget, Plan, ProgressReport  # noqa: E402


def main() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    plan = Plan.objects.order_by("first_fiscal_year")[4]
    year = plan.first_fiscal_year + 1
    reports = ProgressReport.objects.select_related("measure", "status", "author")
    queries = {
        "進捗報告の一覧 (admin, API): newest first, a page of 100": reports.order_by("-as_of", "-id")[:100],
        f"?fiscal_year={year} (admin 年度, API)": reports.filter(fiscal_year=year).order_by("-as_of", "-id")[
            :100
        ],
        "API ?as_of=: the reports up to a day, newest first": reports.filter(
            as_of__lte=date(year, 12, 31)
        ).order_by("-as_of", "-id")[:100],
        "?standing=false, admin 取り下げ日: the withdrawn reports": reports.filter(
            withdrawn_on__isnull=False
        ).order_by("-as_of", "-id")[:100],
        "withdrawals since the last council report (print ?since=)": ProgressReport.objects.filter(
            withdrawn_on__gt=date(year, 6, 1), withdrawn_on__lte=date(year + 1, 3, 31)
        ),
        f"年度目標 ?fiscal_year={year} (admin, API)": AnnualTarget.objects.filter(fiscal_year=year).order_by(
            "measure", "fiscal_year"
        )[:100],
    }
    for title, queryset in queries.items():
        print(f"-- {title}")
        print(str(queryset.query))
        print(queryset.explain(analyze=True))
        print()


if __name__ == "__main__":
    main()
