"""Kagami settings: read from the environment only (see .env.example for every variable).

Nothing here raises on a missing secret, so tools like mypy can import it; the system checks
in `kagami.checks` (ids kagami.E001…) refuse to run a production process without them.
"""

import json
from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from kagami.lib.env import env_bool, env_int, env_list, env_secret, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KAGAMI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("KAGAMI_DEBUG", False)

# Placeholders keep development and tooling working; kagami.E001/E002 reject them in production.
INSECURE_PLACEHOLDER = "insecure-placeholder-set-the-environment-variable"
SECRET_KEY = env_secret("DJANGO_SECRET_KEY") or INSECURE_PLACEHOLDER
AUDIT_HMAC_KEY = env_secret("KAGAMI_AUDIT_KEY") or INSECURE_PLACEHOLDER

ALLOWED_HOSTS = env_list("KAGAMI_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KAGAMI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks_db",
    "kagami.orgs",
    "kagami.audit",
    "kagami.registry",
    "kagami.vault",
    "kagami.posts",
    "kagami.publishing",
    "kagami.incidents",
    "kagami.public",
    "kagami.dashboard",
    "kagami.auditviewer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kagami.orgs.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kagami.orgs.middleware.AccessPolicyMiddleware",
    "kagami.orgs.middleware.UserLanguageMiddleware",
    "kagami.orgs.middleware.MFARequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-axes must come last (its documentation says so).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kagami.urls"
WSGI_APPLICATION = "kagami.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "kagami.dashboard.context_processors.kagami",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", "sqlite://"), sqlite_default=VAR_DIR / "kagami.sqlite3"
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default keeps its database under var/; create it on first use.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASK_BACKEND = env_str("KAGAMI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {
    "default": {
        "BACKEND": TASK_BACKEND,
        "OPTIONS": {"CELERY_APP": "kagami.celery.app"} if "celery" in TASK_BACKEND else {},
    }
}
# Celery, when KAGAMI_TASK_BACKEND=django_tasks_celery.CeleryBackend (kagami/celery.py).
CELERY_BROKER_URL = env_str("KAGAMI_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = (
    env_str(
        "KAGAMI_CELERY_RESULT_BACKEND",
        CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
CELERY_RESULT_EXTENDED = True  # lets django.tasks read a result back by its ID
CELERY_TASK_DEFAULT_QUEUE = env_str("KAGAMI_CELERY_QUEUE", "kagami")
# A task is acknowledged when it has run, not when it was received: a worker killed mid-task
# leaves it for another. Delivering twice is safe (the claim and the attempts decide).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kagami.orgs.auth.StaffLoginBackend",
]
LOGIN_URL = "orgs:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "orgs:login"

# A one-time link to set one's own password (orgs/password_links.py) lasts a day.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("KAGAMI_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kagami.orgs.passwords.ZxcvbnValidator", "OPTIONS": {"min_score": 3}},
]

# Lockout after repeated failures (django-axes, G-4-7): counted per person, however the login
# was typed (e-mail in any case or staff number: kagami.orgs.auth.lockout_key), and separately
# per address with a higher limit, so that one address guessing many accounts is stopped too.
AXES_FAILURE_LIMIT = env_int("KAGAMI_LOCKOUT_FAILURES", 5)
# Per address: ten times the person's limit (50 by default). A town office behind one address
# needs headroom; a person's successful sign-in removes their own failures from this count.
AXES_IP_FAILURE_LIMIT = 10 * AXES_FAILURE_LIMIT
AXES_COOLOFF_TIME = env_int("KAGAMI_LOCKOUT_MINUTES", 30) / 60
AXES_USERNAME_FORM_FIELD = "username"  # our login field, not USERNAME_FIELD (email)
AXES_USERNAME_CALLABLE = "kagami.orgs.auth.axes_username"
AXES_HANDLER = "kagami.orgs.auth.LockoutHandler"  # adds the per-address limit
# Each on its own, with its own limit (the handler): the person, and the address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "orgs/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions end after a period without activity and, regardless, after a working day.
SESSION_COOKIE_AGE = env_int("KAGAMI_SESSION_IDLE_MINUTES", 60) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
KAGAMI_SESSION_MAX_HOURS = env_int("KAGAMI_SESSION_MAX_HOURS", 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

OTP_TOTP_ISSUER = env_str("KAGAMI_TOWN_NAME", "鏡野町") + " Kagami"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KAGAMI_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("KAGAMI_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Where Instagram, Threads, Facebook and LINE fetch post images (kagami/publishing/media.py):
# Kagami itself by default; S3-compatible storage when Kagami is not reachable from outside.
KAGAMI_PUBLIC_MEDIA_OPTIONS_INVALID = False  # reported by the check kagami.E021
if env_str("KAGAMI_PUBLIC_MEDIA_BACKEND"):
    try:
        _public_media_options = json.loads(env_secret("KAGAMI_PUBLIC_MEDIA_OPTIONS") or "{}")
    except ValueError:
        _public_media_options, KAGAMI_PUBLIC_MEDIA_OPTIONS_INVALID = {}, True
    STORAGES["kagami_public_media"] = {
        "BACKEND": env_str("KAGAMI_PUBLIC_MEDIA_BACKEND"),
        "OPTIONS": _public_media_options,
    }
# How long the public media storage can sign an address for: S3 presigned URLs (SigV4) last at
# most 7 days. LINE needs longer (check kagami.E024).
KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS = env_int("KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS", 7)

# HTTPS deployments set KAGAMI_HTTPS=1: secure cookies, HSTS and redirects follow.
HTTPS = env_bool("KAGAMI_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("KAGAMI_HSTS_PRELOAD", HTTPS)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KAGAMI_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
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

# Mail is written to files under var/mail/ until KAGAMI_EMAIL_HOST names the town's SMTP relay.
if env_str("KAGAMI_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("KAGAMI_EMAIL_HOST"),
                "port": env_int("KAGAMI_EMAIL_PORT", 587),
                "username": env_str("KAGAMI_EMAIL_USER") or None,
                "password": env_secret("KAGAMI_EMAIL_PASSWORD") or None,
                "use_tls": env_bool("KAGAMI_EMAIL_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("KAGAMI_EMAIL_FROM", "kagami@localhost")

# The address staff reach Kagami at, for links in e-mails.
KAGAMI_SITE_URL = env_str("KAGAMI_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
KAGAMI_MEDIA_BASE_URL = env_str("KAGAMI_MEDIA_BASE_URL", KAGAMI_SITE_URL).rstrip("/")

# The municipality this instance serves (shown in the header and in generated documents).
KAGAMI_TOWN_NAME = env_str("KAGAMI_TOWN_NAME", "鏡野町")
# The guideline shown in the public directory (G-4-6); a town points this at its own text.
KAGAMI_GUIDELINE_FILE = Path(
    env_str(
        "KAGAMI_GUIDELINE_FILE", str(BASE_DIR / "kagami" / "public" / "data" / "guideline-ja.txt")
    )
)
# Who residents should contact about an account that is not in the directory (G-6-3).
KAGAMI_PUBLIC_CONTACT = env_str("KAGAMI_PUBLIC_CONTACT", "")
# Where the town publishes its list of official accounts (G-4-6); shown in policies and forms.
KAGAMI_DIRECTORY_URL = env_str("KAGAMI_DIRECTORY_URL", "")
# An account not reviewed for this long, or without a post for this long, is flagged dormant.
KAGAMI_REVIEW_INTERVAL_DAYS = env_int("KAGAMI_REVIEW_INTERVAL_DAYS", 365)
KAGAMI_DORMANT_AFTER_DAYS = env_int("KAGAMI_DORMANT_AFTER_DAYS", 90)
# Platform credentials (G-4-7): Fernet keys, newest first, comma-separated (or _FILE);
# `kagami vault rotate-keys` re-encrypts under the first. kagami.E010 refuses to run without.
KAGAMI_VAULT_KEYS = [k.strip() for k in env_secret("KAGAMI_VAULT_KEYS").split(",") if k.strip()]
KAGAMI_VAULT_ROTATION_DAYS = env_int("KAGAMI_VAULT_ROTATION_DAYS", 90)
KAGAMI_VAULT_REMIND_DAYS = env_int("KAGAMI_VAULT_REMIND_DAYS", 14)
KAGAMI_VAULT_KEEP_OLD_DAYS = env_int("KAGAMI_VAULT_KEEP_OLD_DAYS", 30)
KAGAMI_VAULT_REVEAL_SECONDS = env_int("KAGAMI_VAULT_REVEAL_SECONDS", 60)
KAGAMI_VAULT_MIN_LENGTH = env_int("KAGAMI_VAULT_MIN_LENGTH", 12)
KAGAMI_VAULT_MIN_SCORE = env_int("KAGAMI_VAULT_MIN_SCORE", 3)
KAGAMI_VAULT_GENERATED_LENGTH = env_int("KAGAMI_VAULT_GENERATED_LENGTH", 20)
KAGAMI_VAULT_REVEAL_FAILURE_LIMIT = env_int("KAGAMI_VAULT_REVEAL_FAILURE_LIMIT", 5)

# Where approved posts go: "sandbox" (the training network inside Kagami, the safe default) or
# "live" (the platforms, with the API tokens kept in the vault).
KAGAMI_PUBLISHING = env_str("KAGAMI_PUBLISHING", "sandbox")
# How long the sandbox takes to answer after storing a post, like a real network (0: at once).
KAGAMI_SANDBOX_LATENCY_MS = env_int("KAGAMI_SANDBOX_LATENCY_MS", 0)
# Minutes after its slot before a post still waiting to be made by hand is reminded about.
KAGAMI_MANUAL_REMIND_MINUTES = env_int("KAGAMI_MANUAL_REMIND_MINUTES", 30)
# API addresses per platform code, e.g. "mastodon=https://social.example.jp" (a Mastodon
# instance, or a local fake server in tests).
KAGAMI_PLATFORM_BASE_URLS = dict(
    item.split("=", 1) for item in env_list("KAGAMI_PLATFORM_BASE_URLS") if "=" in item
)

# The content checks' municipal facts (official domains, phones, NG words): a TOML file as in
# CHECKS.md; empty means the built-in 鏡野町 defaults.
KAGAMI_CHECKS_CONFIG = env_str("KAGAMI_CHECKS_CONFIG", "")
# After-the-fact reports (G-5-3) are due at this time on the next working day.
KAGAMI_REPORT_DUE_TIME = env_str("KAGAMI_REPORT_DUE_TIME", "17:15")
# Trouble (kagami/incidents): the office's hours, how much office time an incident may stay
# silent before a holding statement is prompted (G-6-4), and after how many days an unanswered
# deletion request to a platform is chased (G-6-3).
KAGAMI_OFFICE_HOURS = env_str("KAGAMI_OFFICE_HOURS", "08:30-17:15")
KAGAMI_HOLDING_STATEMENT_AFTER_MINUTES = env_int("KAGAMI_HOLDING_STATEMENT_AFTER_MINUTES", 60)
KAGAMI_IMPERSONATION_REMINDER_DAYS = env_int("KAGAMI_IMPERSONATION_REMINDER_DAYS", 3)
# Other spellings of the town that password guessers try (romaji, kana).
KAGAMI_TOWN_WORDS = env_list("KAGAMI_TOWN_WORDS", ["kagamino", "かがみの", "kagami"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("KAGAMI_LOG_LEVEL", "INFO")},
    "loggers": {
        # Axes logs login names at WARNING; keep it but never credentials (it does not log them).
        "axes": {"level": "WARNING"},
    },
}
