"""Settings a user notices: Japanese, Tokyo time, and dates typed with slashes."""

from datetime import date

from django import forms
from django.conf import settings


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True


def test_dates_typed_with_slashes_or_hyphens_are_accepted():
    field = forms.DateField()
    assert field.clean("2019/05/01") == date(2019, 5, 1)
    assert field.clean("2019-05-01") == date(2019, 5, 1)


def test_a_bad_date_gets_the_japanese_message():
    field = forms.DateField()
    try:
        field.clean("2019/13/01")
    except forms.ValidationError as exc:
        assert exc.messages == ["日付を正しく入力してください。"]
    else:
        raise AssertionError("2019/13/01 was accepted")
