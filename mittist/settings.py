"""Settings for Mitt-i-ST.

One file, read from the environment. Development is the default (SQLite, local files, e-mail to the
console); production is switched on with DJANGO_ENV=production and then refuses to start without the
values it cannot guess. Every helper below fails loudly on a value it cannot parse.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MITTIST_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def require_one_or_more(*names: str) -> None:
    """Each named setting, set above, is a count or a duration that must be 1 or more."""
    for name in names:
        if globals()[name] < 1:
            raise ImproperlyConfigured(f"{name} must be 1 or more")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be false in production")

SECRET_KEY = env_required("DJANGO_SECRET_KEY") if PRODUCTION else env_str(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-mittist-never-use-in-production-0123456789"
)
# Separate keys so that rotating SECRET_KEY (sessions) does not make personnummer unreadable.
FIELD_ENCRYPTION_KEY = env_required("FIELD_ENCRYPTION_KEY") if PRODUCTION else env_str("FIELD_ENCRYPTION_KEY")
FIELD_HASH_KEY = env_required("FIELD_HASH_KEY") if PRODUCTION else env_str("FIELD_HASH_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Absolute links in e-mails (the worker has no request to build them from). Every capability link in a
# mail starts with it, so production needs the real address, over https.
SITE_URL = (env_required("SITE_URL") if PRODUCTION else env_str("SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// when DJANGO_ENV=production, not {SITE_URL!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "django_q",
    "csp",
    "mittist.accounts",
    "mittist.outbox",
    "evaluations",
    "evaluations.minicex",
    "evaluations.reports",
    "evaluations.certificates",
    "portfolio",
    "scheduling",
    "survey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mittist.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor (if any) verified this session; then keep the unverified out of everything else.
    "django_otp.middleware.OTPMiddleware",
    "mittist.accounts.middleware.SecondFactorMiddleware",
    "mittist.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mittist.middleware.SessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it needs the user and answers lock-outs itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mittist.urls"
WSGI_APPLICATION = "mittist.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "mittist.context_processors.site_facts",
                "evaluations.navigation.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# CI (CI=true) runs on the machine's PostgreSQL; everything else defaults to SQLite in var/.
_default_db = "postgres://postgres@127.0.0.1:5432/mittist" if env_bool("CI", False) else f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_db)
if PRODUCTION and DATABASE_URL.startswith("sqlite"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL when DJANGO_ENV=production")
# Connections are kept between requests (CONN_MAX_AGE); a kept connection the server has dropped
# meanwhile (a restart, a fail-over, an idle timeout) is checked at the start of the next request and
# replaced, instead of failing that request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server and the django-q2 worker share the file: wait for locks instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "mittist.accounts.backends.ModelPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Lock-out counts failures three ways, each against its own limit (mittist/accounts/lockout.py): one
# account from one address (AXES_FAILURE_LIMIT), one account from anywhere (guessing spread over many
# addresses), and one address against any accounts (password spraying; a clinic shares one address, so higher).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
MITTIST_LOCKOUT_ACCOUNT_LIMIT = env_int("MITTIST_LOCKOUT_ACCOUNT_LIMIT", 10)
MITTIST_LOCKOUT_ADDRESS_LIMIT = env_int("MITTIST_LOCKOUT_ADDRESS_LIMIT", 30)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "mittist.accounts.lockout.LockoutHandler"
require_one_or_more("AXES_FAILURE_LIMIT", "MITTIST_LOCKOUT_ACCOUNT_LIMIT", "MITTIST_LOCKOUT_ADDRESS_LIMIT")
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The login form posts the e-mail as "username"; count it case-folded, as login matches it.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "mittist.accounts.views.axes_username"
# Behind AXES_PROXY_COUNT proxies (nginx alone: 1) the client is the X-Forwarded-For entry the first proxy
# appended; ipware counts only the proxies listed in the header, the last one being the socket's peer.
# With none, only the socket's address counts, so a client cannot choose its own by sending the header.
_PROXIES = env_int("AXES_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = _PROXIES - 1 if _PROXIES > 0 else None
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if _PROXIES > 0 else ("REMOTE_ADDR",)

# Password-reset mails: at most this many an hour to one account and from one address. Past the
# account's limit the page answers as always (no mail); past the address's it says to wait.
MITTIST_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR = env_int("MITTIST_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR", 3)
MITTIST_PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env_int("MITTIST_PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 10)

# Two-factor sign-in (django-otp, TOTP plus one-time recovery codes). Required for the roles in
# mittist/accounts/rules.py (coordinator, quality group, admin); others may turn it on.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Mitt-i-ST")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after every wrong code in a row
MITTIST_RECOVERY_CODES = env_int("MITTIST_RECOVERY_CODES", 10)

# Public registration: the e-mail address is confirmed before anything is created.
MITTIST_REGISTRATION_CONFIRM_HOURS = env_int("MITTIST_REGISTRATION_CONFIRM_HOURS", 48)
MITTIST_REGISTRATIONS_PER_ADDRESS_PER_HOUR = env_int("MITTIST_REGISTRATIONS_PER_ADDRESS_PER_HOUR", 5)
# Mails to one e-mail address from the form, so nobody can use it to flood someone's inbox.
MITTIST_REGISTRATION_MAILS_PER_EMAIL_PER_HOUR = env_int("MITTIST_REGISTRATION_MAILS_PER_EMAIL_PER_HOUR", 3)
require_one_or_more(
    "MITTIST_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR", "MITTIST_PASSWORD_RESET_PER_ADDRESS_PER_HOUR",
    "MITTIST_RECOVERY_CODES", "MITTIST_REGISTRATION_CONFIRM_HOURS", "MITTIST_REGISTRATIONS_PER_ADDRESS_PER_HOUR",
    "MITTIST_REGISTRATION_MAILS_PER_EMAIL_PER_HOUR",
)

# --- Internationalisation -------------------------------------------------------------------------
# Swedish is the source language of every string; English comes from locale/en.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["mittist.formats"]

# --- Static files and uploads -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # documents are only ever served through permission-checking views

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    from boto3.s3.transfer import TransferConfig as _TransferConfig

    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "region_name": env_str("AWS_S3_REGION_NAME", "eu-north-1"),
            "access_key": env_str("AWS_ACCESS_KEY_ID"),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "virtual"),
            "default_acl": None,  # objects stay private; downloads go through presigned URLs
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 120),
            "max_memory_size": 5 * 1024 * 1024,
            "signature_version": "s3v4",
            # One streamed PUT for everything the app stores (documents up to PORTFOLIO_MAX_UPLOAD_MB, PDFs):
            # boto3's multipart upload reads every part of a file object into memory (8 MB, ten at once), so
            # a worker's memory would grow with the file. A single PUT reads the temporary file as it sends.
            "transfer_config": _TransferConfig(multipart_threshold=256 * 1024 * 1024, max_concurrency=4),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    # Seconds each SMTP step (connect, each command) may take; the outbox's lease is longer (below).
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
elif PRODUCTION:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DJANGO_ENV=production")
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mitt-i-ST <no-reply@mittist.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The Mitt-i-ST office: receives new registrations and agreed practice days.
MITTIST_OFFICE_EMAIL = env_str("MITTIST_OFFICE_EMAIL", "mittist-kansli@example.org")
# How people reach the office: shown in every e-mail's footer and on every page (mails say "kontakta kansliet").
MITTIST_OFFICE_PHONE = env_str("MITTIST_OFFICE_PHONE", "08-000 00 00")
MITTIST_OFFICE_HOURS = env_str("MITTIST_OFFICE_HOURS", "")

# The dashboard's search counts its matches only up to MITTIST_SEARCH_COUNT_CAP (the pages reach that many):
# past it the page says "more than …" and asks for more words, so that a common word costs the same however
# many cases there are.
MITTIST_SEARCH_COUNT_CAP = env_int("MITTIST_SEARCH_COUNT_CAP", 500)
require_one_or_more("MITTIST_SEARCH_COUNT_CAP")

# The outbox (mittist/outbox/): a message failing for a temporary reason is tried again after 1, 2, 4 …
# minutes (at most an hour apart), MITTIST_OUTBOX_MAX_ATTEMPTS times in all. A worker claims a message for
# MITTIST_OUTBOX_LEASE_MINUTES: one still being sent after that (the worker died mid-send) is sent again by
# the sweep, with the same Message-ID (at least once; a second copy is recognisably the same message). The
# lease must be longer than any live send: above EMAIL_TIMEOUT, and by default above the worker's task
# timeout (Q_TIMEOUT, below). The dashboard shows a message as stuck when it has waited
# MITTIST_OUTBOX_STUCK_MINUTES past its time (or past its lease). Sent messages keep no text and are deleted
# after MITTIST_OUTBOX_KEEP_DAYS; failed ones nobody resent after MITTIST_OUTBOX_FAILED_KEEP_DAYS.
MITTIST_OUTBOX_MAX_ATTEMPTS = env_int("MITTIST_OUTBOX_MAX_ATTEMPTS", 10)
MITTIST_OUTBOX_LEASE_MINUTES = env_int("MITTIST_OUTBOX_LEASE_MINUTES", 10)
MITTIST_OUTBOX_STUCK_MINUTES = env_int("MITTIST_OUTBOX_STUCK_MINUTES", 15)
MITTIST_OUTBOX_KEEP_DAYS = env_int("MITTIST_OUTBOX_KEEP_DAYS", 30)
MITTIST_OUTBOX_FAILED_KEEP_DAYS = env_int("MITTIST_OUTBOX_FAILED_KEEP_DAYS", 90)
require_one_or_more("MITTIST_OUTBOX_MAX_ATTEMPTS", "MITTIST_OUTBOX_LEASE_MINUTES", "MITTIST_OUTBOX_STUCK_MINUTES",
                    "MITTIST_OUTBOX_KEEP_DAYS", "MITTIST_OUTBOX_FAILED_KEEP_DAYS")
if EMAIL_HOST and EMAIL_TIMEOUT < 1:
    raise ImproperlyConfigured("EMAIL_TIMEOUT must be 1 or more")
if EMAIL_HOST and MITTIST_OUTBOX_LEASE_MINUTES * 60 <= EMAIL_TIMEOUT:
    # A lease shorter than one SMTP step would hand a message still being sent to a second worker.
    raise ImproperlyConfigured(
        f"MITTIST_OUTBOX_LEASE_MINUTES ({MITTIST_OUTBOX_LEASE_MINUTES} min) must be longer than EMAIL_TIMEOUT "
        f"({EMAIL_TIMEOUT} s)"
    )

# --- Background work (django-q2) ----------------------------------------------------------------
# A task may run for `timeout` seconds; it is only handed out again after `retry`, well above it,
# so a slow task is never run twice at once. Missed schedules are not caught up in a burst.
Q_CLUSTER = {
    "name": "mittist",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 120),
    "retry": env_int("Q_RETRY", 600),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 5),
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "label": "Bakgrundsjobb",
}
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 2

# --- Security -----------------------------------------------------------------------------------
# A shared clinic computer: signed out after MITTIST_SESSION_IDLE_MINUTES without a request, and after
# MITTIST_SESSION_MAX_HOURS however active (mittist/middleware.py); the cookie ends with the browser.
MITTIST_SESSION_IDLE_MINUTES = env_int("MITTIST_SESSION_IDLE_MINUTES", 30)
MITTIST_SESSION_MAX_HOURS = env_int("MITTIST_SESSION_MAX_HOURS", 12)
if MITTIST_SESSION_IDLE_MINUTES < 1 or MITTIST_SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured("MITTIST_SESSION_IDLE_MINUTES and MITTIST_SESSION_MAX_HOURS must be 1 or more")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = MITTIST_SESSION_MAX_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
# The refused-form page in the site's layout and language, saying what to do next.
CSRF_FAILURE_VIEW = "mittist.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging: errors to stderr, where gunicorn and the worker's supervisor collect them ----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Mitt-i-ST process rules --------------------------------------------------------------------
MITTIST_CONTACT_DAYS = env_int("MITTIST_CONTACT_DAYS", 14)
MITTIST_MATERIAL_DAYS_BEFORE = env_int("MITTIST_MATERIAL_DAYS_BEFORE", 28)
MITTIST_REPORT_DAYS_AFTER = env_int("MITTIST_REPORT_DAYS_AFTER", 21)
# The evaluator answers an assignment request within this many days; reminded then, the office a day later.
MITTIST_ASSIGNMENT_ANSWER_DAYS = env_int("MITTIST_ASSIGNMENT_ANSWER_DAYS", 5)
# How far ahead a practice day may be proposed or moved (a year 9999 date overflowed every deadline after it).
MITTIST_PRACTICE_DAY_MAX_DAYS_AHEAD = env_int("MITTIST_PRACTICE_DAY_MAX_DAYS_AHEAD", 365)
MITTIST_MIN_MONTHS_LEFT_AT_REGISTRATION = env_int("MITTIST_MIN_MONTHS_LEFT_AT_REGISTRATION", 18)
SUPERVISOR_LINK_DAYS = env_int("SUPERVISOR_LINK_DAYS", 30)
PORTFOLIO_MAX_UPLOAD_MB = env_int("PORTFOLIO_MAX_UPLOAD_MB", 20)
# The seed's section F asks for comments on "punkt E"; the self-evaluation is section D.
PORTFOLIO_SELF_EVALUATION_SECTION_LABEL = env_str("PORTFOLIO_SELF_EVALUATION_SECTION_LABEL", "D")

# A mini-CEX assessor's e-mail link is valid this long; it can be extended once, in its last days.
MINICEX_LINK_DAYS = env_int("MINICEX_LINK_DAYS", 14)
MINICEX_LINK_EXTEND_WINDOW_DAYS = env_int("MINICEX_LINK_EXTEND_WINDOW_DAYS", 3)
# The one-time code an assessor confirms themselves with on the trainee's device is valid MINICEX_CODE_MINUTES and
# can be sent again after MINICEX_CODE_RESEND_MINUTES; the confirmation then holds MINICEX_DEVICE_CONFIRMATION_HOURS.
MINICEX_CODE_MINUTES = env_int("MINICEX_CODE_MINUTES", 15)
MINICEX_CODE_RESEND_MINUTES = env_int("MINICEX_CODE_RESEND_MINUTES", 1)
MINICEX_DEVICE_CONFIRMATION_HOURS = env_int("MINICEX_DEVICE_CONFIRMATION_HOURS", 2)
# How far ahead a mini-CEX may be dated; the assessor's draft saves make one audit row per this many minutes.
MINICEX_PERFORMED_MAX_DAYS_AHEAD = env_int("MINICEX_PERFORMED_MAX_DAYS_AHEAD", 30)
MINICEX_DRAFT_EVENT_MINUTES = env_int("MINICEX_DRAFT_EVENT_MINUTES", 10)
require_one_or_more("MITTIST_ASSIGNMENT_ANSWER_DAYS", "MINICEX_LINK_DAYS", "MINICEX_LINK_EXTEND_WINDOW_DAYS",
                    "MINICEX_CODE_MINUTES", "MINICEX_CODE_RESEND_MINUTES", "MINICEX_DEVICE_CONFIRMATION_HOURS",
                    "MINICEX_PERFORMED_MAX_DAYS_AHEAD", "MINICEX_DRAFT_EVENT_MINUTES")

# Autosave writes often: the portfolio's and the report's saves by one person within this many minutes of the
# last make one row on the timeline.
MITTIST_AUTOSAVE_EVENT_MINUTES = env_int("MITTIST_AUTOSAVE_EVENT_MINUTES", 15)
require_one_or_more("MITTIST_AUTOSAVE_EVENT_MINUTES")

# --- Deadlines and reminders (scheduling) -------------------------------------------------------
# The practice day should be agreed within four weeks of the first contact (advice, not a rule), and
# the feedback survey answered within two weeks of the certificate.
MITTIST_PRACTICE_DAY_AGREE_DAYS = env_int("MITTIST_PRACTICE_DAY_AGREE_DAYS", 28)
MITTIST_SURVEY_DAYS_AFTER = env_int("MITTIST_SURVEY_DAYS_AFTER", 14)
# When each reminder goes out, in days from the deadline it is about: negative is before it, 0 is the
# day itself, positive is after it (the overdue notices). The sweep runs every 15 minutes.
_remind_before = {
    name: env_int(f"MITTIST_REMIND_{name.upper()}_DAYS_BEFORE", default)
    for name, default in [
        ("contact", 3),
        ("supervisor_first", 14),
        ("supervisor_second", 7),
        ("material", 7),
        ("report", 7),
        ("survey", 7),
    ]
}
_remind_after = env_int("MITTIST_REMIND_OVERDUE_DAYS_AFTER", 1)
for _name, _days in [*_remind_before.items(), ("overdue", _remind_after)]:
    if _days < 1:
        raise ImproperlyConfigured(f"MITTIST_REMIND_{_name.upper()}_DAYS_* must be 1 or more, not {_days}")
MITTIST_REMINDER_DAYS = {
    # The evaluator on the answer's last day; the office the day after, when there is still no answer.
    "assignment_answer_on_day": 0,
    "assignment_answer_overdue": _remind_after,
    "contact_before": -_remind_before["contact"],
    "contact_on_day": 0,
    "contact_overdue": _remind_after,
    "practice_day_not_agreed": _remind_after,
    "supervisor_statement_first": -_remind_before["supervisor_first"],
    "supervisor_statement_second": -_remind_before["supervisor_second"],
    "material_before": -_remind_before["material"],
    "material_on_day": 0,
    "material_overdue": _remind_after,
    "report_before": -_remind_before["report"],
    "report_on_day": 0,
    "report_overdue": _remind_after,
    "survey": -_remind_before["survey"],
}
# A reminder whose moment passed while the sweep was down is dropped, not sent late in a burst:
# one about an upcoming deadline once that deadline has passed, an overdue notice after this many days.
MITTIST_REMINDER_STALE_DAYS = env_int("MITTIST_REMINDER_STALE_DAYS", 7)
# A day's reminders go out from this hour (Swedish time) on, not in the night.
MITTIST_REMINDER_EARLIEST_HOUR = env_int("MITTIST_REMINDER_EARLIEST_HOUR", 7)
if not 0 <= MITTIST_REMINDER_EARLIEST_HOUR <= 23:
    raise ImproperlyConfigured("MITTIST_REMINDER_EARLIEST_HOUR must be an hour from 0 to 23")

# --- The second half: report, sharing, certificate, survey, purge --------------------------------
# Nothing about a case's content stays at SFAM: the report is kept only for the quality review and the
# trainee's sharing, the material only while the case runs. Each purge is announced to the trainee first.
MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW = env_int("MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW", 30)
MITTIST_REPORT_KEEP_DAYS_MAX = env_int("MITTIST_REPORT_KEEP_DAYS_MAX", 90)
MITTIST_MATERIAL_KEEP_DAYS_AFTER_END = env_int("MITTIST_MATERIAL_KEEP_DAYS_AFTER_END", 30)
MITTIST_PURGE_NOTICE_DAYS = env_int("MITTIST_PURGE_NOTICE_DAYS", 7)
# How often the purge sweep runs (notices and purges are due by the day; the hour only bounds the delay).
MITTIST_PURGE_SWEEP_MINUTES = env_int("MITTIST_PURGE_SWEEP_MINUTES", 60)
# The public page "Kontrollera en rapport": the largest PDF it hashes (the reports are far smaller).
MITTIST_REPORT_CHECK_MAX_MB = env_int("MITTIST_REPORT_CHECK_MAX_MB", 20)
# A link the trainee gives a reader of the report; never outlives the report itself.
MITTIST_REPORT_SHARE_DAYS = env_int("MITTIST_REPORT_SHARE_DAYS", 30)
# Public verification pages (certificate code, report checksum): wrong tries per address and hour.
MITTIST_VERIFY_ATTEMPTS_PER_HOUR = env_int("MITTIST_VERIFY_ATTEMPTS_PER_HOUR", 20)
# The survey's aggregates show a region only when at least this many answers come from it.
MITTIST_SURVEY_MIN_GROUP = env_int("MITTIST_SURVEY_MIN_GROUP", 5)
MITTIST_CERTIFICATE_ISSUER = env_str("MITTIST_CERTIFICATE_ISSUER", "Svensk förening för allmänmedicin (SFAM)")
# The read log ("Vem har läst"): the same reader reading the same thing again within this many minutes adds
# to one row's count instead of a new row (a reload is not a new reading).
MITTIST_READLOG_COALESCE_MINUTES = env_int("MITTIST_READLOG_COALESCE_MINUTES", 10)
# The material's PDF is rendered by the worker; one not ready this many minutes after it was asked for is
# shown as failed, with a button to try again (the worker is down or lost the task).
MITTIST_MATERIAL_PDF_WAIT_MINUTES = env_int("MITTIST_MATERIAL_PDF_WAIT_MINUTES", 5)
require_one_or_more(
    "MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW", "MITTIST_REPORT_KEEP_DAYS_MAX", "MITTIST_MATERIAL_KEEP_DAYS_AFTER_END",
    "MITTIST_REPORT_SHARE_DAYS", "MITTIST_VERIFY_ATTEMPTS_PER_HOUR", "MITTIST_SURVEY_MIN_GROUP",
    "MITTIST_PURGE_NOTICE_DAYS", "MITTIST_PURGE_SWEEP_MINUTES", "MITTIST_REPORT_CHECK_MAX_MB",
    "MITTIST_READLOG_COALESCE_MINUTES", "MITTIST_MATERIAL_PDF_WAIT_MINUTES",
)
if MITTIST_PURGE_NOTICE_DAYS >= MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW:
    raise ImproperlyConfigured("MITTIST_PURGE_NOTICE_DAYS must be less than MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW")

# Shared counters (rate limits) must be shared by every web process: Redis when there is one, else the database.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "mittist_cache"}}
