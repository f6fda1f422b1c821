"""The e-mail settings of docs/operations.md ("E-mail"): SMTP in production, the console in `make run`,
locmem in the tests; what the documented variables set, and what stops start-up."""

import runpy

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from .conftest import ROOT

EMAIL_VARIABLES = (
    "DEBUG",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "DEFAULT_FROM_EMAIL",
)


def _settings_with(monkeypatch, **env):
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "bunkyo" / "settings.py"))


def test_production_sends_through_the_documented_smtp_settings(monkeypatch):
    settings = _settings_with(
        monkeypatch,
        DEBUG="false",
        ALLOWED_HOSTS="plan.city.bunkyo.lg.jp",
        EMAIL_HOST="relay.city.bunkyo.lg.jp",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="bunkyo",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="情報政策課 <johoseisaku@city.bunkyo.lg.jp>",
    )
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"], settings["EMAIL_USE_TLS"]) == (
        "relay.city.bunkyo.lg.jp",
        587,
        True,
    )
    assert settings["DEFAULT_FROM_EMAIL"] == "情報政策課 <johoseisaku@city.bunkyo.lg.jp>"


def test_make_run_prints_the_mail_on_the_console(monkeypatch):
    assert (
        _settings_with(monkeypatch, DEBUG="true")["EMAIL_BACKEND"]
        == "django.core.mail.backends.console.EmailBackend"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true",
        ),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be an integer"),
        ({"DEFAULT_FROM_EMAIL": "johoseisaku"}, "DEFAULT_FROM_EMAIL must be an e-mail address"),
    ],
)
def test_a_bad_mail_setting_stops_start_up(monkeypatch, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _settings_with(monkeypatch, **env)


def test_the_documented_test_command_sends_one_message(db):
    """manage.py sendtestemail, as operations.md says to run it on the server (here into locmem)."""
    call_command("sendtestemail", "someone@city.bunkyo.lg.jp")
    assert [m.to for m in mail.outbox] == [["someone@city.bunkyo.lg.jp"]]
