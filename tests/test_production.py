"""Production settings pass Django's deployment checks; every response carries the security headers."""

import os
import runpy
import subprocess
import sys

import pytest
from django.urls import reverse

from .conftest import ROOT

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x9!production-secret-key-that-is-long-and-random-enough-0123456789abcdef",
    "ALLOWED_HOSTS": "plan.city.bunkyo.lg.jp",
}


def _manage(*args, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warnings_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_development_settings_do_fail_the_deploy_check():
    """The check above can fail: without the production environment it does."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={"DEBUG": "true"})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={"DEBUG": "false", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in result.stderr


def test_a_bad_boolean_in_the_environment_stops_start_up():
    result = _manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


@pytest.mark.django_db
def test_responses_carry_csp_frame_and_referrer_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no outside host is allowed
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


BEHIND_NGINX = """
from axes.helpers import get_client_ip_address
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

nginx = {"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "plan.city.bunkyo.lg.jp"}
site = SecurityMiddleware(lambda request: HttpResponse("ok"))
print(site(RequestFactory().get("/accounts/login/", **nginx, HTTP_X_FORWARDED_PROTO="https")).status_code)
print(site(RequestFactory().get("/accounts/login/", **nginx))["Location"])
for forwarded in ("203.0.113.10", "192.0.2.1, 203.0.113.10"):
    request = RequestFactory().post("/accounts/login/", **nginx, HTTP_X_FORWARDED_FOR=forwarded)
    print(get_client_ip_address(request))
"""


def test_behind_nginx_the_documented_settings_take_effect():
    """docs/operations.md: USE_X_FORWARDED_PROTO=true and TRUSTED_PROXY_COUNT=1 behind nginx,
    which sets X-Forwarded-Proto and X-Forwarded-For. Django then knows the request was https,
    and sign-ins are counted against the visitor's address, not the proxy's."""
    env = {**PRODUCTION_ENV, "USE_X_FORWARDED_PROTO": "true", "TRUSTED_PROXY_COUNT": "1"}
    result = _manage("shell", "--no-imports", "-c", BEHIND_NGINX, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "200",  # https through the proxy: served, not redirected
        "https://plan.city.bunkyo.lg.jp/accounts/login/",  # plain http: sent to https
        "203.0.113.10",
        "203.0.113.10",  # what the visitor put in front is not believed
    ]


def test_a_negative_proxy_count_stops_start_up():
    result = _manage("check", env={"TRUSTED_PROXY_COUNT": "-1"})
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or more, not -1" in result.stderr


# TRUSTED_PROXY_COUNT was AXES_IPWARE_PROXY_COUNT, django-axes' name for something else: a server
# set up with the old name keeps working, and is told the new one.


def _settings_with(monkeypatch, **env):
    """bunkyo/settings.py read afresh with this environment (the running settings are untouched)."""
    for name in ("TRUSTED_PROXY_COUNT", "AXES_IPWARE_PROXY_COUNT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "bunkyo" / "settings.py"))


def test_the_proxy_count_is_read_from_its_own_name(monkeypatch, recwarn):
    assert _settings_with(monkeypatch, TRUSTED_PROXY_COUNT="1")["TRUSTED_PROXY_COUNT"] == 1
    assert _settings_with(monkeypatch)["TRUSTED_PROXY_COUNT"] == 0
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_the_old_name_of_the_proxy_count_still_works_with_a_warning(monkeypatch):
    with pytest.warns(
        DeprecationWarning, match="AXES_IPWARE_PROXY_COUNT is deprecated: set TRUSTED_PROXY_COUNT"
    ):
        assert _settings_with(monkeypatch, AXES_IPWARE_PROXY_COUNT="1")["TRUSTED_PROXY_COUNT"] == 1
    with pytest.warns(DeprecationWarning):  # both, the same: nothing to choose, but the old name goes
        env = {"AXES_IPWARE_PROXY_COUNT": "1", "TRUSTED_PROXY_COUNT": "1"}
        assert _settings_with(monkeypatch, **env)["TRUSTED_PROXY_COUNT"] == 1


def test_the_old_and_the_new_name_of_the_proxy_count_differing_stop_start_up():
    result = _manage("check", env={"TRUSTED_PROXY_COUNT": "1", "AXES_IPWARE_PROXY_COUNT": "0"})
    assert result.returncode != 0
    assert (
        "TRUSTED_PROXY_COUNT='1' and AXES_IPWARE_PROXY_COUNT='0' differ: "
        "AXES_IPWARE_PROXY_COUNT is TRUSTED_PROXY_COUNT's old name, set TRUSTED_PROXY_COUNT alone"
    ) in result.stderr


def test_the_report_issuer_is_read_from_the_environment_and_may_not_be_blank():
    result = _manage("diffsettings", env={"REPORT_ISSUER": "文京区  総務部 総務課"})
    assert result.returncode == 0, result.stderr
    assert "REPORT_ISSUER = '文京区 総務部 総務課'" in result.stdout
    result = _manage("check", env={"REPORT_ISSUER": "  "})
    assert result.returncode != 0
    assert "REPORT_ISSUER must name the issuing department" in result.stderr
