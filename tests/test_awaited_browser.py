"""The council prints its report while a round (進捗照会) is open: the note and the 回答待ち marks are
on paper, as words (the council prints in black and white)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from django.urls import reverse

from measures.models import Department
from rounds.services import round_create, round_transition

from .factories import seed_plan
from .test_accessibility_browser import _axe_source, _violations
from .test_print_browser import (  # noqa: F401
    _norm,
    _print_pdf,
    browser,
    browser_test,
    council,
    council_page,
)

# Where the printed PDF is kept to be looked at (pdftoppm -png), when asked for.
KEEP_PDF = os.environ.get("AWAITED_PDF")


@browser_test
def test_the_printed_council_report_says_which_figures_are_awaited(
    council_page,  # noqa: F811
    live_server,
    django_user_model,
):
    Department.objects.filter(name="情報政策課").update(order=99)
    secretariat = django_user_model.objects.create_superuser(username="jimu-print", password="x")
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    reader = _print_pdf(council_page, live_server.url + reverse("reports:print"))
    if KEEP_PDF:
        from pypdf import PdfWriter

        with Path(KEEP_PDF).open("wb") as output:
            PdfWriter(clone_from=reader).write(output)
    text = _norm("".join(page.extract_text() for page in reader.pages))
    assert _norm("進捗照会の回答待ち") in text
    assert _norm("次の5施策の数値は回答待ちです。") in text
    # The mark on each awaited measure's FY2021 row, and its note: five of each, and on the cover.
    assert text.count(_norm("回答待ち")) >= 1 + 1 + 1 + 5 * 2
    assert _norm("時点の進捗照会で、広報課の回答を待っています") in text
    # On screen, the page with its new section and marks: axe-core finds nothing (and the measure page).
    council_page.emulate_media(media="screen")
    assert _violations(council_page, _axe_source()) == []
    measure = round_.answers.get(department__name="広報課").rows.get().measure
    council_page.goto(live_server.url + reverse("reports:print_measure", args=[measure.pk]))
    assert "回答待ち" in council_page.inner_text("main")
    assert _violations(council_page, _axe_source()) == []
