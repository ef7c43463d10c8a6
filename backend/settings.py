"""One env-driven settings module.

Defaults give a working embedded set-up (SQLite, in-process report jobs, DEBUG on).
Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and REDIS_URL.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "villages",
    "reserves",
    "tasks",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "backend.middleware.DatabaseUnavailableMiddleware",
    "villages.data_version.StampsReadOnceMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "backend.htmx_messages.HtmxMessagesMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

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
            ],
        },
    },
]

# Form widgets (each <select> option is a template include under Django's own engine) render through Jinja2 with
# Django's stock widget templates; selects, inputs, textareas and labels are written out in Python, the same bytes
# (backend/form_renderer.py): the person edit form's rendering took most of its request (issue 19).
FORM_RENDERER = "backend.form_renderer.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process report runner read while a request writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles a query whose estimated cost passes jit_above_cost, and at province scale the
    # dashboards' aggregates pass it; compiling took 0.5 s for a statement that runs in 30 ms (docs/benchmarks.md,
    # issue 18). The server's own setting is left alone; this connection's is what counts.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()  # kept: options given in DATABASE_URL
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "villages.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's PBKDF2 at its own strength, derived in a low-priority child process so a login storm does not starve
# pages (backend/passwords.py); the other entries verify hashes made by other Django hashers. Django's own
# PBKDF2PasswordHasher must not be listed: it has the same algorithm name, and the last hasher of a name is the
# one that verifies logins (it was, until issue 19's load runs showed every login hashing at full priority).
PASSWORD_HASHERS = [
    "backend.passwords.LowPriorityPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "villages:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# The UI is Chinese only: LocaleMiddleware must not switch Django's own messages (form errors) to a browser's English.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Overrides of Django's Chinese messages, e.g. the form label suffix "：" (full-width) instead of ":".
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
# Report fonts, extracted by `make fonts` (tasks/reports/fonts.py); the PDF renderer loads fonts from here only.
REPORT_FONT_DIR = Path(os.environ.get("REPORT_FONT_DIR", BASE_DIR / "var" / "fonts"))
# Township/county comparison columns of a report may be this old (tasks/reports/context.py).
REPORT_COMPARISON_CACHE_SECONDS = int(os.environ.get("REPORT_COMPARISON_CACHE_SECONDS", "60"))
# Who runs report jobs (tasks/reports/jobs.py): Celery workers when a broker is configured, else a small
# in-process thread pool so `make run` works without Redis and a township batch never blocks the request.
REPORT_RUNNER = os.environ.get("REPORT_RUNNER", "celery" if os.environ.get("REDIS_URL") else "thread")
REPORT_THREADS = int(os.environ.get("REPORT_THREADS", "2"))
# A job still queued after this long is published again by the sweeper (broker outage at creation).
REPORT_REQUEUE_AFTER_SECONDS = int(os.environ.get("REPORT_REQUEUE_AFTER_SECONDS", "120"))
# A job no worker has started after this long fails with a readable message instead of waiting forever.
REPORT_QUEUE_TIMEOUT_SECONDS = int(os.environ.get("REPORT_QUEUE_TIMEOUT_SECONDS", "900"))
CELERY_BEAT_SCHEDULE = {"sweep-report-jobs": {"task": "tasks.report_tasks.sweep_report_jobs", "schedule": 60.0}}
# Talks fall due and ages change with the calendar: recompute the risk work queue daily (tasks/risk_tasks.py).
CELERY_BEAT_SCHEDULE["recompute-risks-daily"] = {"task": "tasks.risk_tasks.recompute_all_risks", "schedule": 86400.0}
# Where a write's risk re-evaluation runs after commit (tasks/risk_tasks.py `dispatch`): "celery" (a broker is
# configured: tasks for the risk workers; publishing fails → evaluated in the request instead), "sync" (no broker:
# in-process right after the commit, `make run`, tests). The daily recompute above is the safety net either way.
RISK_RUNNER = os.environ.get("RISK_RUNNER", "celery" if os.environ.get("REDIS_URL") else "sync")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Report PDFs and uploads (roster workbooks, risk attachments) are written and read through Django's storage API
# only. Default: the local MEDIA_ROOT (one machine, or a shared volume). STORAGE_BACKEND=s3: an S3-compatible
# bucket (AWS S3, MinIO, Ceph …) that every web and worker host shares (docs/operations.md, "Worker layout and
# shared storage"). Objects are private (no ACL sent: the bucket's default, owner only; presigned URLs are never
# handed out): files reach users only through the scoped download views, which stream them from the bucket.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,  # unset: AWS itself
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Unset: boto3's own chain (instance role, ~/.aws); set them for MinIO/Ceph or a static key.
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for most MinIO set-ups
            "location": os.environ.get("AWS_LOCATION", ""),  # a key prefix when the bucket is shared
            "default_acl": None,  # private: never public-read
            "querystring_auth": True,  # any URL the backend makes is signed and short-lived
            "file_overwrite": False,  # two uploads of the same name never replace each other
        },
    }
elif STORAGE_BACKEND != "filesystem":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}")

# Redis is optional: without REDIS_URL report jobs run in-process (make run), with it on Celery workers.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "300"))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# Redelivery of an unacknowledged task must not happen while it is still legitimately running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
if os.environ.get("CELERY_VISIBILITY_TIMEOUT"):  # redelivery tests only: production keeps it above the time limit
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = int(os.environ["CELERY_VISIBILITY_TIMEOUT"])
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work, so a province-wide report batch never delays a township's import or the risk
# evaluation (docs/operations.md, "Worker layout and shared storage"). Routed by the task's module: every task
# defined in tasks/report_tasks.py, tasks/import_tasks.py or tasks/risk_tasks.py lands on its queue without being
# named here. A worker started without -Q consumes all of CELERY_TASK_QUEUES.
WORKER_QUEUES = ("default", "reports", "imports", "risk")
CELERY_TASK_QUEUES = [Queue(name) for name in WORKER_QUEUES]
CELERY_TASK_ROUTES = {
    "tasks.report_tasks.*": {"queue": "reports"},
    "tasks.import_tasks.*": {"queue": "imports"},
    "tasks.risk_tasks.*": {"queue": "risk"},
}
CELERY_TIMEZONE = TIME_ZONE

SHARED_CACHE = bool(REDIS_URL and env_bool("DJANGO_REDIS_CACHE", False))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if SHARED_CACHE
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}
    )
}
# With the cache shared through Redis, sessions are read from it (and written through to the database): one query
# less on every page. Never from a per-process cache: a session ended in one worker (logout) would live on in
# another's memory.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if SHARED_CACHE else "django.contrib.sessions.backends.db"
# Aggregates cached under the data version (villages/data_version.py) live at most this long: the bound on how
# long a change made outside Django (psql by hand) can stay hidden. Every write through Django is seen at once.
DATA_CACHE_SECONDS = int(os.environ.get("DATA_CACHE_SECONDS", "600"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "villages.api.pagination.PageSizePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Request bodies are JSON only, so the schema lists application/json only and a generated client sends JSON.
    # A view that takes an uploaded file names MultiPartParser itself (docs/api.md).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "backend.api_errors.api_exception_handler",
    # Throttle counters live in the default cache (Redis when DJANGO_REDIS_CACHE=1, else per process).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "30/min"),
        "user": os.environ.get("API_THROTTLE_USER", "300/min"),
        "token": os.environ.get("API_THROTTLE_TOKEN", "10/min"),
    },
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "村级后备干部 pipeline tracker API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids and tags without the version (`villages_create`, tag `villages`): generated clients group
    # their functions by resource. Paths stay whole.
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.schema_hooks.drop_parameter_titles",
        "backend.schema_hooks.document_field_errors",
    ],
    # One schema enum per code list, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "EducationEnum": "villages.choices.Education",
        "PostEnum": "villages.choices.Post",
        "PersonFlagEnum": "villages.choices.PersonFlag",
        "VillageFlagEnum": "villages.choices.VillageFlag",
        "KindEnum": "tasks.models.ReportKind",  # keeps its name beside the risk `kind` fields
        "ReserveStatusEnum": "villages.choices.ReserveStatus",
        "EnrollmentStatusEnum": "reserves.choices.EnrollmentStatus",
        "ReportJobStatusEnum": "tasks.models.JobStatus",
        "ReserveTargetPostEnum": "reserves.choices.RESERVE_TARGET_POSTS",
        "TalentStatusEnum": "reserves.choices.TalentStatus",
        "ProgrammeStatusEnum": "reserves.choices.ProgrammeStatus",
        "LevelEnum": "reserves.choices.ClassLevel",  # the class level keeps its first name (generated clients)
        "ProgrammeLevelEnum": "reserves.choices.PROGRAMME_LEVELS",
        "CadreSourceEnum": "villages.choices.CadreSource",
        "TalentSourceEnum": "reserves.choices.TalentSource",  # a talent's `source` beside a post's 干部来源
        "FilingStatusEnum": "reserves.choices.FilingStatus",
        "FilingOccasionEnum": "reserves.choices.FilingOccasion",
        "ReviewPurposeEnum": "reserves.choices.ReviewPurpose",
        "QualificationStatusEnum": "reserves.choices.QualificationStatus",
        "ReviewRoundEnum": "reserves.choices.ReviewRound",
        "ConclusionEnum": "reserves.choices.Conclusion",
    },
}

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_CALLABLE = "backend.security.lockout_response"
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy (django-csp 4): no inline script or style anywhere; htmx's indicator <style> is
# switched off in base.html (htmx-config meta). img data: for the SVG icons of Swagger UI.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Roster rules that are product settings rather than county rules.
ROSTER_CONFIRMATION_PERIOD_DAYS = int(os.environ.get("ROSTER_CONFIRMATION_PERIOD_DAYS", "90"))
# Roster workbooks up to this many rows are imported inside the request; larger ones on a Celery worker.
ROSTER_IMPORT_INLINE_MAX_ROWS = int(os.environ.get("ROSTER_IMPORT_INLINE_MAX_ROWS", "500"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
