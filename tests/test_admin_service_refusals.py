"""Every rule a service enforces reaches the admin's form as a message beside the field, with what
was typed kept; never a 500, never a saved half. Issue 21, item 1: the add page of a report took
as its default 報告基準日 a date on which the measure had a report already, and saving raised the
service's ValidationError out of the admin."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from measures.models import Measure, ProgressReport
from measures.services import UNIQUE_MESSAGE

from .factories import add_report, report_form_data

pytestmark = pytest.mark.usefixtures("demo")

ADD = "admin:measures_progressreport_add"


def _errors_beside(response, field: str) -> list[str]:
    """The messages the page prints beside ``field`` (its own error list), each also on the page."""
    messages = response.context["adminform"].form.errors.get(field, [])
    page = response.content.decode()
    assert all(message in page for message in messages)
    return messages


def test_the_add_page_offers_no_date_a_report_already_has(client, secretariat):
    client.force_login(secretariat)
    measure = Measure.objects.get(number=3)
    # The plan has ended (FY2021): the default would be its last day, which measure 3 reported on.
    assert ProgressReport.objects.standing().filter(measure=measure, as_of=date(2022, 3, 31)).exists()
    response = client.get(reverse(ADD) + f"?measure={measure.pk}")
    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get("as_of") is None
    assert 'value="2022/03/31"' not in response.content.decode()


def test_a_report_on_a_date_already_reported_is_refused_beside_the_date_with_the_input_kept(
    client, secretariat
):
    client.force_login(secretariat)
    measure = Measure.objects.get(number=3)
    data = report_form_data(
        measure, fiscal_year="2021", as_of="2022/03/31", actual_value="51.5", narrative="二度目の報告"
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert _errors_beside(response, "as_of") == [UNIQUE_MESSAGE]
    assert 'value="51.5"' in page and "二度目の報告" in page
    assert not ProgressReport.objects.filter(narrative="二度目の報告").exists()


def test_a_report_added_meanwhile_by_someone_else_is_refused_at_saving_beside_the_date(
    client, secretariat, manager
):
    """The form was valid when checked; between the check and the save another report on the same
    date arrives (the API, an upload). The service refuses it: the form comes back, nothing saved."""
    client.force_login(secretariat)
    measure = Measure.objects.get(number=1)
    data = report_form_data(measure, fiscal_year="2021", as_of="2021/12/10", narrative="私の報告")

    from measures import admin as measures_admin

    real_create = measures_admin.progress_report_create

    def someone_else_first(*, report, author):
        add_report(measure, 2021, date(2021, 12, 10), narrative="先の報告", author=manager)
        return real_create(report=report, author=author)

    with mock.patch.object(measures_admin, "progress_report_create", side_effect=someone_else_first):
        response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert _errors_beside(response, "as_of") == [UNIQUE_MESSAGE]
    assert "私の報告" in page
    assert not ProgressReport.objects.filter(narrative="私の報告").exists()
