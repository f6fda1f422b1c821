"""Settings for the 文京区官民データ活用推進計画 progress tracker.

Everything that differs between a developer's machine and production is read
from the environment here, through the small typed helpers below. A bad value
stops start-up with ImproperlyConfigured instead of failing later.
"""

import os
import re
import warnings
from datetime import date
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.log import DEFAULT_LOGGING

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _env_renamed(name: str, old_name: str) -> str:
    """The variable to read for a setting whose variable was renamed: ``name``, or ``old_name``
    when only that is set, with a DeprecationWarning. Both set to different values stop start-up:
    which one was meant cannot be guessed."""
    value, old_value = os.environ.get(name, "").strip(), os.environ.get(old_name, "").strip()
    if not old_value:
        return name
    if value and value != old_value:
        raise ImproperlyConfigured(
            f"{name}={value!r} and {old_name}={old_value!r} differ: "
            f"{old_name} is {name}'s old name, set {name} alone"
        )
    warnings.warn(f"{old_name} is deprecated: set {name} instead", DeprecationWarning, stacklevel=2)
    return old_name


_RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


def _env_rate(name: str, default: str) -> str:
    """A rate as DRF's throttles read it: a whole number of requests per s, min, hour or day (60/min)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not _RATE.fullmatch(raw.strip()):
        raise ImproperlyConfigured(
            f"{name} must be a number of requests per s, min, hour or day, e.g. 60/min, not {raw!r}"
        )
    return raw.strip()


def _is_local_government_code(code: str) -> bool:
    """Six ASCII digits whose last is the check digit: 11 minus (the first five weighted 6 to 2,
    modulo 11), its last digit. 131059: 1×6+3×5+1×4+0×3+5×2 = 35, 35 mod 11 = 2, 11 − 2 = 9."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(code, (6, 5, 4, 3, 2), strict=False))
    return (11 - total % 11) % 10 == int(code[5])


DEBUG = _env_bool("DEBUG", True)

# The fallback key is only for DEBUG on a developer's machine.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])

INSTALLED_APPS = [
    "bunkyo.admin_site.BunkyoAdminConfig",  # django.contrib.admin with the menu in our order
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    # Token sign-in for other systems' API calls (docs/api.md); tokens are made with drf_create_token.
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's files, served as our own static files: nothing is loaded from a CDN.
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    # Django's tasks framework (backport) and its database backend: large workbooks are built by
    # `manage.py db_worker` (docs/operations.md), the queue a table in the same database.
    "django_tasks",
    "django_tasks_db",
    "core",
    "measures",
    "schedule",
    "reports",
    "opendata",
    # Collection rounds (進捗照会): departments enter their own progress (docs/rounds.md).
    "rounds",
    # The project package is an app too: base templates, site pages and the roles migration.
    "bunkyo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A deadlock or a lock timeout: a Japanese 503 asking to try again, not a 500 (core/database.py).
    "core.database.DatabaseBusyMiddleware",
    # Records who made each change in the history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Login throttling; must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bunkyo.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's templates come first, so that admin/base_site.html here overrides the admin's.
        "DIRS": [BASE_DIR / "bunkyo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bunkyo.context_processors.user_role",
            ],
        },
    },
]

WSGI_APPLICATION = "bunkyo.wsgi.application"

# SQLite needs no configuration; DATABASE_URL=postgres://user:pass@host/db switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=_env_int("DB_CONN_MAX_AGE", 0),
    )
}
# SQLite as it is run in production (docs/operations.md, "SQLite"): write-ahead logging, so that
# reading never waits for a write (gunicorn's workers are separate connections), and a commit
# written to the log without waiting for the disk (synchronous=NORMAL: a commit survives the
# process's crash, only a power cut may lose the last ones). A transaction takes the write lock
# when it begins (IMMEDIATE), so that it waits its turn (the busy timeout) rather than failing
# with "database is locked" when it writes after reading.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        **DATABASES["default"].get("OPTIONS", {}),
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
# Our own catalogue first: Japanese for django-simple-history's admin pages.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"

# Django's ja locale defines no input formats, so these apply: 2019/05/01 as well as 2019-05-01.
# The application's own date fields read every printed form (R2.3.31, 令和2年3月31日 …) through
# core.fiscal.parse_date; the admin's calendar writes the first of these.
DATE_INPUT_FORMATS = ["%Y/%m/%d", "%Y-%m-%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# パブリック・コメントの最低期間 (日)。公表日を1日目として数える。区の要綱に合わせて変更できる。
PUBLIC_COMMENT_MIN_DAYS = _env_int("PUBLIC_COMMENT_MIN_DAYS", 30)
if PUBLIC_COMMENT_MIN_DAYS < 1:
    raise ImproperlyConfigured(f"PUBLIC_COMMENT_MIN_DAYS must be 1 or more, not {PUBLIC_COMMENT_MIN_DAYS}")


def _month_days(name: str, default: list[str]) -> tuple[tuple[int, int], ...]:
    """MM-DD values, each a day of the year (02-29 allowed): ("12-29", "01-03") → ((12, 29), (1, 3))."""
    days = []
    for item in _env_list(name, default):
        month, _, day = item.partition("-")
        try:
            date(2000, int(month), int(day))  # a leap year, so 02-29 passes
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list days as MM-DD, e.g. 12-29, not {item!r}") from None
        days.append((int(month), int(day)))
    return tuple(days)


# 閉庁日: the year-end closure of the ward offices (12/29–1/3). The schedule's checks flag a meeting
# or report planned on one of these days, as on a weekend or a public holiday (schedule/workdays.py).
SCHEDULE_CLOSED_DAYS = _month_days(
    "SCHEDULE_CLOSED_DAYS", ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"]
)

# 発行元: the department that issues the council's printed report, named on its cover (作成日 beside it).
REPORT_ISSUER = " ".join(os.environ.get("REPORT_ISSUER", "文京区 企画政策部 情報政策課").split())
if not REPORT_ISSUER:
    raise ImproperlyConfigured(
        "REPORT_ISSUER must name the issuing department, e.g. 文京区 企画政策部 情報政策課"
    )

# Caches: each process keeps its own in memory, with no server to run, except "throttle". "default"
# is Django's own default.
# "throttle" keeps the request counts of the API and the open data (core/api_throttling.py) in a
# table of the database (`manage.py createcachetable`), because a count must be the same in every
# gunicorn worker; it needs no server beside the database. One row per address or account counted
# lately; past MAX_ENTRIES (far more than a ward's site sees in a minute) the expired rows are
# deleted. Django's DatabaseCache, writing a count in one statement (core.api_throttling.ThrottleCache),
# and counting the table's size when a read misses, before a new row, so the table is kept small.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "core.api_throttling.ThrottleCache",
        "LOCATION": "throttle_cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# Open data (/opendata/): the issuing body, in every row of every file as the 自治体標準オープンデータセット
# rules ask. The 全国地方公共団体コード is 6 digits, the last a check digit over the first five.
OPENDATA_LOCAL_GOVERNMENT_CODE = os.environ.get("OPENDATA_LOCAL_GOVERNMENT_CODE", "131059").strip()
if not _is_local_government_code(OPENDATA_LOCAL_GOVERNMENT_CODE):
    raise ImproperlyConfigured(
        "OPENDATA_LOCAL_GOVERNMENT_CODE must be a 全国地方公共団体コード (6 digits with its check digit), "
        f"not {OPENDATA_LOCAL_GOVERNMENT_CODE!r}"
    )
OPENDATA_LOCAL_GOVERNMENT_NAME = " ".join(
    os.environ.get("OPENDATA_LOCAL_GOVERNMENT_NAME", "東京都文京区").split()
)
if not OPENDATA_LOCAL_GOVERNMENT_NAME:
    raise ImproperlyConfigured("OPENDATA_LOCAL_GOVERNMENT_NAME must name the body, e.g. 東京都文京区")
# Where a reader of the open data asks about it: the catalogue's dcat:contactPoint, the department
# REPORT_ISSUER names, with the page of its inquiry form and, if it has one to publish, its address.
OPENDATA_CONTACT_URL = os.environ.get("OPENDATA_CONTACT_URL", "https://www.city.bunkyo.lg.jp/").strip()
if not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", OPENDATA_CONTACT_URL):
    raise ImproperlyConfigured(
        f"OPENDATA_CONTACT_URL must be an absolute http(s) address, not {OPENDATA_CONTACT_URL!r}"
    )
OPENDATA_CONTACT_EMAIL = os.environ.get("OPENDATA_CONTACT_EMAIL", "").strip()
if OPENDATA_CONTACT_EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", OPENDATA_CONTACT_EMAIL):
    raise ImproperlyConfigured(
        f"OPENDATA_CONTACT_EMAIL must be an e-mail address or empty, not {OPENDATA_CONTACT_EMAIL!r}"
    )
# The site's one canonical address (scheme, host and any path prefix, no trailing slash). Whatever
# names a published thing for good is built from it, never from the request's Host: the catalogue's
# and the datasets' identifiers, which a harvester keys on, are the same whether the site is read
# as localhost, 127.0.0.1 or https behind the proxy.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"SITE_URL must be an absolute http(s) address, e.g. https://example.jp, not {SITE_URL!r}"
    )

# --- E-mail: collection rounds' notifications (docs/operations.md, "E-mail") -------------------
# SMTP in production; the console (the e-mails printed by `make run`) while DEBUG is on, unless
# EMAIL_BACKEND says otherwise; the tests use Django's locmem outbox.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
).strip()
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost").strip()
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true: choose one")
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost").strip()
if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+|.*<[^@\s<>]+@[^@\s<>]+>", DEFAULT_FROM_EMAIL):
    raise ImproperlyConfigured(f"DEFAULT_FROM_EMAIL must be an e-mail address, not {DEFAULT_FROM_EMAIL!r}")

# --- Large workbooks, built in the background (docs/reports.md, docs/PERFORMANCE.md) ----------
# Above this many measures /reports/ does not build the workbook inside the request: it queues it
# for the worker (manage.py db_worker) and shows its progress. The export writes about 1,000
# measures in 1.5-2.5 s on a 2-CPU machine, so 2,000 keeps a direct download to a few seconds.
REPORTS_BACKGROUND_MEASURES = _env_int("REPORTS_BACKGROUND_MEASURES", 2000)
# How long a workbook built in the background is kept for the person who asked for it, in hours;
# expired files are deleted by the worker and by `manage.py purge_workbooks`.
REPORTS_WORKBOOK_KEEP_HOURS = _env_int("REPORTS_WORKBOOK_KEEP_HOURS", 24)
# Where those files are written: outside the static files, served only through the application.
REPORTS_WORKBOOK_DIR = Path(os.environ.get("REPORTS_WORKBOOK_DIR", BASE_DIR / "var" / "workbooks"))
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The change history is a record: past versions are shown, never written back (core/admin_base.py).
SIMPLE_HISTORY_REVERT_DISABLED = True

AUTHENTICATION_BACKENDS = [
    # Login throttling first: it refuses a locked-out user before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Login throttling (django-axes) -------------------------------------------------------
# After AXES_FAILURE_LIMIT failed sign-ins, the user name from that address is locked out for
# AXES_COOLOFF_MINUTES. A secretariat member can unlock sooner: `manage.py axes_reset_username NAME`.
# The pair (user name, address) is what is locked: failures from one address never lock the
# account for the others.
AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The number of reverse proxies in front of the application (nginx alone: 1; served directly: 0).
# The visitor's address is then the one the outermost proxy wrote into X-Forwarded-For, and
# nothing the visitor sent (bunkyo/proxy.py); without a proxy the header is ignored. Without
# this, every visitor has the proxy's address, and five wrong passwords from anyone lock the
# account for everyone. The sign-in lock-outs (AXES_CLIENT_IP_CALLABLE) and the API's throttling
# (core/api_throttling.py) read it.
# It was called AXES_IPWARE_PROXY_COUNT, which is read still, with a DeprecationWarning: that is
# django-axes' own name for django-ipware's proxy count, which means something else (the
# addresses after the visitor's in the header, so 0 for nginx alone).
TRUSTED_PROXY_COUNT = _env_int(_env_renamed("TRUSTED_PROXY_COUNT", "AXES_IPWARE_PROXY_COUNT"), 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
AXES_CLIENT_IP_CALLABLE = "bunkyo.proxy.client_address"

# --- Security headers and cookies ----------------------------------------------------------
# Production (DEBUG off) is secure by default; each can be relaxed through the environment.
# Django's own defaults add the rest (tests/test_production.py checks the headers): session cookies
# are HttpOnly, and every response says nosniff, X-Frame-Options DENY, Referrer-Policy and
# Cross-Origin-Opener-Policy same-origin.
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_AGE = _env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])
if _env_bool("USE_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): nothing from outside the server. Inline styles are
# allowed for the admin's style attributes; scripts only from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- The API under /api/ (docs/api.md) ---------------------------------------------------------
# Anyone may read a published plan; signed-in roles read what their view permissions allow; only
# the secretariat writes (core/api_permissions.py). Every list is paginated; bad filters are 400s.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api_permissions.ApiPermission"],
    # The filters (django-filter and a strict ordering) and the pagination are set on
    # core.api.ReadViewSet, which every endpoint derives from: named here, DRF would import
    # core.api while it starts, before the views core.api builds on.
    # Writes are JSON (docs/api.md); the browsable API's raw form sends JSON too.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # drf-spectacular's, with a Japanese tag per operation (core/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.AutoSchema",
    # A list is 「計画の一覧」, an object 「計画の詳細」, in the browsable API.
    "VIEW_NAME_FUNCTION": "core.api.view_name",
    # core.api's, with a throttled request told in Japanese when to come back.
    "EXCEPTION_HANDLER": "core.api_throttling.exception_handler",
    # Every view of the API, the schema and its docs too; /opendata/ counts in the same count
    # (core.api_throttling.throttled). A page of 500 rows counts five requests.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_throttling.VisitorRateThrottle",
        "core.api_throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Per address: a person reading the docs and trying requests, or a harvester fetching the
        # catalogue and its eight files (41 counts), stays well within a minute's 60; 32 parallel
        # connections asking for 500 rows each are refused after the 12th.
        "visitor": _env_rate("THROTTLE_VISITOR_RATE", "60/min"),
        # Per account: the secretariat's systems (a token) sync and write; 5 a second is more than
        # a person clicks, and leaves the server to the others.
        "user": _env_rate("THROTTLE_USER_RATE", "300/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "文京区官民データ活用推進計画 進捗管理 API",
    "DESCRIPTION": (
        "計画・目的・施策・年度目標・進捗報告と策定スケジュールを読み取るAPIです。公開の計画は"
        "サインインなしで読めます(取り下げた報告と職員名は除く)。書き込みは事務局だけです。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts each one, an <a>, inside the <button> that opens an operation,
    # which a keyboard and a screen reader cannot tell apart (axe-core: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-spectacular's own hook, then the errors each operation may answer with the one error body,
    # and the format parameter every view reads (docs/api.md, "Errors").
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.declare_errors_and_format",
    ],
    # One tag per model, named by its verbose_name (core.api_schema.AutoSchema), in this order.
    "TAGS": [
        {
            "name": "計画",
            "description": "計画と、その評価基準の評価区分。公開の計画はサインインなしで読めます。",
        },
        {"name": "計画の目的", "description": "計画の目的(項番と本文、キーワード、テクノロジー等)。"},
        {
            "name": "施策",
            "description": "施策と、計画期間の各年度の基準日時点の状態。報告のページ(/reports/)と同じ絞り込みです。",
        },
        {"name": "年度目標", "description": "施策の年度ごとの目標・指標・目標値。"},
        {
            "name": "進捗報告",
            "description": "施策の年度ごとの進捗報告。追加と取り下げは事務局だけです。取り下げと職員名は職員だけに返ります。",
        },
        {"name": "所管課", "description": "施策を所管する課。"},
        {"name": "施策のキーワード", "description": "施策と目的に付けるキーワード。"},
        {"name": "使用するテクノロジー等", "description": "施策と目的が使うテクノロジー等。"},
        {"name": "会議体", "description": "策定スケジュールの会議体(表の行)。"},
        {"name": "検討段階", "description": "策定スケジュールの年度ごとの検討段階。"},
        {
            "name": "会議・報告の予定",
            "description": "策定スケジュールの会議・報告の予定。変更(PATCH)は事務局だけです。備考は職員だけに返ります。",
        },
        {
            "name": "パブリック・コメント",
            "description": "パブリック・コメントの期間と意見数。備考は職員だけに返ります。",
        },
        {
            "name": "進捗照会",
            "description": "事務局から所管課への進捗の照会。事務局と照会された課の担当者が読めます。",
        },
        {
            "name": "照会への回答",
            "description": "所管課ごとの回答。事務局はすべて、担当者は自分の課の回答を読み、提出できます。",
        },
    ],
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "measures.models.Plan.Status",
        "BodyKindEnum": "schedule.models.Body.Kind",
        "ItemKindEnum": "schedule.models.ScheduledItem.Kind",
        "ItemStatusEnum": "schedule.models.ScheduledItem.Status",
        "RoundStateEnum": "rounds.models.Round.State",
        "AnswerStateEnum": "rounds.models.Answer.State",
    },
}

# --- Static files (whitenoise serves them from the application in production) --------------
# This replaces Django's STORAGES whole, so its "default" is restated.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Everything goes to standard error through one handler, one line per record; a refused request
# (403, 400, 404) is one line, and only a server error (5xx) writes its traceback (bunkyo/log.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "request": {"()": "bunkyo.log.RequestLogFormatter"},
        # runserver's access lines, as Django writes them.
        "django.server": DEFAULT_LOGGING["formatters"]["django.server"],
    },
    # The calendar feed's subscription token (?token=) is never written to the log.
    "filters": {"hide_feed_token": {"()": "schedule.log.HideFeedToken"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "request", "filters": ["hide_feed_token"]},
        "django.server": {**DEFAULT_LOGGING["handlers"]["django.server"], "filters": ["hide_feed_token"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers go: while DEBUG is on, its console handler wrote every django.*
        # record a second time (with the traceback); the root's handler above writes them once.
        # Configuring "django" resets its child loggers, so runserver's is declared again below.
        "django": {"handlers": []},
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
        # django-axes logs every sign-in at INFO; lock-outs come at WARNING.
        "axes": {"level": "WARNING"},
    },
}
