"""sendroute's one settings module, read from the environment with strict helpers.

SENDROUTE_ENV=production switches on every production protection (secure cookies, HSTS, HTTPS
redirect) and requires SENDROUTE_SECRET_KEY and SENDROUTE_ALLOWED_HOSTS. The default is a local
development setting that works with no configuration, on SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    """A required (or defaulted) text setting."""
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    """true/false, 1/0, yes/no; anything else is a configuration error, not a guess."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


ENVIRONMENT = env_str("SENDROUTE_ENV", "development")
if ENVIRONMENT not in ("development", "production", "test"):
    raise ImproperlyConfigured("SENDROUTE_ENV must be development, production or test.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("SENDROUTE_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("SENDROUTE_DEBUG cannot be on in production.")

SECRET_KEY = (
    env_str("SENDROUTE_SECRET_KEY")
    if PRODUCTION
    else os.environ.get("SENDROUTE_SECRET_KEY", "development-only-key-not-secret-" + "x" * 32)
)
ALLOWED_HOSTS = (
    [h.strip() for h in env_str("SENDROUTE_ALLOWED_HOSTS").split(",") if h.strip()]
    if PRODUCTION
    else ["127.0.0.1", "localhost", "testserver"]
)

# The area whose rules the web app uses unless a request names another.
SENDROUTE_DEFAULT_AREA = env_str("SENDROUTE_AREA", "norfolk")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "sendroute.accounts",
    "sendroute.journey",
    "sendroute.cases",
    "sendroute.letters",
    "sendroute.bundles",
    "sendroute.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # These two sit outside every middleware that can answer early (sign-in limits, two-factor,
    # CSRF), so that each of those answers is marked no-store and refuses framing too.
    "sendroute.web.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Django's, saving an unchanged session once a minute at most; a full disk is a clean 503.
    "sendroute.web.sessions.SessionMiddleware",
    "sendroute.journey.answers_cookie.AnswersCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sendroute.accounts.views.SessionLimitMiddleware",
    "sendroute.accounts.views.TwoFactorMiddleware",
    "sendroute.cases.access.RefusalAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "sendroute.web.urls"
WSGI_APPLICATION = "sendroute.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "web" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "sendroute.web.jinja.environment",
            "context_processors": ["sendroute.web.context.page"],
        },
    },
    {
        # Django's own templates, kept for Django's built-in pages (and the admin, later).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

# SQLite by default. The rollback journal (journal_mode=DELETE) is used instead of WAL, so the
# WAL-reset corruption bug in the SQLite this Python links (3.40.1; fixed in 3.51.3, see
# sqlite.org/wal.html) cannot occur. PostgreSQL through DATABASE_URL for scale.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'sendroute.sqlite3'}"),
        conn_max_age=env_int("SENDROUTE_DB_CONN_MAX_AGE", 60),
    )
}
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
# Two test runs on one PostgreSQL server each need their own test database.
if os.environ.get("SENDROUTE_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["SENDROUTE_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People sign in with their email address and have exactly one role (sendroute.accounts).
AUTH_USER_MODEL = "accounts.User"
# Argon2id for every new password; the others only to check (and upgrade) older hashes.
PASSWORD_HASHERS = [
    "sendroute.accounts.hashers.OwaspArgon2PasswordHasher",  # OWASP's parameters: see its module
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions (for signed-in accounts) are kept on the server, so that signing out ends them. The
# advice journey's answers are not in the session: they live only in the person's own browser,
# in a signed cookie (sendroute.journey.answers_cookie), so nothing about a child is stored on
# the server unless a case is saved.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SENDROUTE_SESSION_AGE", 60 * 30)  # ends after 30 idle minutes
# The idle limit moves on when a page is used; an unchanged session is saved (a database commit)
# at most once per SENDROUTE_SESSION_TOUCH_SECONDS, not on every page (sendroute.web.sessions).
SESSION_SAVE_EVERY_REQUEST = False
SENDROUTE_SESSION_TOUCH_SECONDS = env_int("SENDROUTE_SESSION_TOUCH_SECONDS", 60)
SESSION_COOKIE_NAME = "sendroute_session"
SENDROUTE_ANSWERS_AGE = env_int("SENDROUTE_ANSWERS_AGE", 60 * 60 * 24)
# However active, a signed-in session ends this long after signing in.
SENDROUTE_SESSION_ABSOLUTE_AGE = env_int("SENDROUTE_SESSION_ABSOLUTE_AGE", 60 * 60 * 12)
LOGIN_URL = "/account/sign-in"

# Email (password resets, later reminders): printed to the console unless an SMTP server is set.
EMAIL_HOST = os.environ.get("SENDROUTE_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("SENDROUTE_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("SENDROUTE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SENDROUTE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SENDROUTE_EMAIL_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("SENDROUTE_FROM_EMAIL", "sendroute <no-reply@localhost>")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link works for 2 hours
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "sendroute.journey.views.csrf_failure"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# GOV.UK Frontend from npm, served locally (its CSS expects fonts and images under /assets/).
STATIC_URL = "/assets/"
STATIC_ROOT = BASE_DIR / "staticfiles"
GOVUK_FRONTEND = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_DIRS = [
    GOVUK_FRONTEND / "assets",
    ("govuk-frontend", GOVUK_FRONTEND),
    PACKAGE_DIR / "web" / "static",
]
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Evidence files: stored outside the web root (never under STATIC_ROOT), under names the server
# makes, and only ever sent as downloads to people with access to the case.
SENDROUTE_EVIDENCE_DIR = Path(
    os.environ.get("SENDROUTE_EVIDENCE_DIR", str(BASE_DIR / "evidence"))
).resolve()
SENDROUTE_EVIDENCE_MAX_BYTES = env_int("SENDROUTE_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# Uploads over 2.5 MB go to a temporary file, never held in memory; one file per form. (The
# reverse proxy in front should also cap request bodies at about 21 MB.)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 1
# One reminder email per deadline, this many working days before it (or on the first run after).
SENDROUTE_REMINDER_WORKING_DAYS = env_int("SENDROUTE_REMINDER_WORKING_DAYS", 5)
# The address of the service in emails and calendar feeds.
SENDROUTE_BASE_URL = os.environ.get("SENDROUTE_BASE_URL", "http://127.0.0.1:8000")

# Security headers on every response.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SENDROUTE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Never log personal data: request logging keeps to method, path and status.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# Background jobs (bundles of a case's documents): queued in the database and run by
# `python manage.py db_worker`, so that no web request waits while a long PDF is made.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A fixed "today" for tests and demonstrations (YYYY-MM-DD); refused in production.
SENDROUTE_TODAY = os.environ.get("SENDROUTE_TODAY") or None
if PRODUCTION and SENDROUTE_TODAY:
    raise ImproperlyConfigured("SENDROUTE_TODAY cannot be set in production.")
