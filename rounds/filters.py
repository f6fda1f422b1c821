"""The API's filters of collection rounds (docs/api.md, "Collection rounds")."""

from __future__ import annotations

import django_filters

from core.api import FiscalYearFilter
from measures.models import Department, Plan

from .models import Answer, Round

INVALID_CHOICE = {"invalid_choice": "指定されたものは登録されていません。一覧にあるidを指定してください。"}


class RoundFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        label="計画", queryset=Plan.objects.all(), error_messages=INVALID_CHOICE
    )
    fiscal_year = FiscalYearFilter(label="年度")
    state = django_filters.ChoiceFilter(label="状態", choices=Round.State.choices)

    class Meta:
        model = Round
        fields = ("plan", "fiscal_year", "state")


class AnswerFilter(django_filters.FilterSet):
    # Not "round": a generated Python client would rename it (round is a builtin).
    round_id = django_filters.ModelChoiceFilter(
        label="進捗照会", field_name="round", queryset=Round.objects.all(), error_messages=INVALID_CHOICE
    )
    department = django_filters.ModelChoiceFilter(
        label="所管課", queryset=Department.objects.all(), error_messages=INVALID_CHOICE
    )
    state = django_filters.ChoiceFilter(label="状態", choices=Answer.State.choices)

    class Meta:
        model = Answer
        fields = ("round_id", "department", "state")
