"""Settings shared by every environment. Secrets and hosts have no permissive default here."""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.env import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    # Before the admin, whose base_site.html it overrides; then the admin with Parley's admin
    # site (the second factor at sign-in).
    "security",
    "security.apps.ParleyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "corsheaders",
    "comments",
    "policy",
    "pipeline",
    "moderation",
    "accountability",
    "demo",
    "embed",
    "portability",
    "reactions",
    "ops",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    # First: times everything below it, by view (docs/operating.md, *Metrics*).
    "ops.middleware.RequestMetricsMiddleware",
    # Cached anonymous thread pages and counts, answered from the cache before the rest of the
    # stack runs, with the same bytes and headers (comments/fastpath.py; PARLEY_FAST_PATH).
    "comments.fastpath.FastPathMiddleware",
    # Before anything reads the database: each request's own read-replica routing scope.
    "config.db_router.ReplicaRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's password backend, which also asks accounts with a second factor for its code.
    "security.backends.SecondFactorBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# SQLite is the embedded default; production sets DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": {
        **env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'parley.sqlite3'}"),
        "CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer writes; the timeout waits for the lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    # Connections persist like PostgreSQL's (DATABASE_CONN_MAX_AGE): opening one and running
    # the PRAGMAs cost ~1 ms of CPU per request. A local file cannot drop the connection, so
    # no health check query either.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
# A PostgreSQL read replica (streaming replication of DATABASE_URL's database): GET and HEAD
# requests read threads and counts from it; writes, transactions, tasks and the rest of any
# request that wrote stay on the primary (config/db_router.py, docs/operating.md).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default=None)
PARLEY_READ_REPLICA: str | None = None
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # Tests never create a second database: the replica is the primary's test database.
        "TEST": {"MIRROR": "default"},
    }
    PARLEY_READ_REPLICA = "replica"
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (docs/security.md): failures are counted per username and, separately, per
# client address (the REST_FRAMEWORK NUM_PROXIES rule below); either reaching the limit locks
# that account or address out of the admin until the cool-off has passed without a failure.
AXES_FAILURE_LIMIT = env.int("PARLEY_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PARLEY_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "security.lockout.client_ip"
AXES_WHITELIST_CALLABLE = "security.lockout.is_exempt"
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["otp_token"]  # the password is always masked
# The records' admin pages are moderation's, scoped to each site administrator's staff.
AXES_ENABLE_ADMIN = False

# Two-factor authentication (django-otp; docs/security.md). Superusers must have a second
# factor when this is on (production's default); role holders when their site requires it.
PARLEY_REQUIRE_2FA_SUPERUSERS = env.bool("PARLEY_REQUIRE_2FA_SUPERUSERS", default=False)
OTP_TOTP_ISSUER = "Parley"
# Dangerous admin actions (security.reauth) ask for the password, or a code, again when the
# session's last sign-in or confirmation is older than this.
PARLEY_REAUTH_SECONDS = env.int("PARLEY_REAUTH_SECONDS", default=300)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Redis is optional: without it the cache is local memory and tasks run in-process.
REDIS_URL = env.str("REDIS_URL", default=None)
# A Redis that hangs must fail like one that is down (the page cache is skipped, rate limits
# fail open, /readyz answers 503), not hold every request with it: seconds to connect, to answer.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "parley",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Site-scoped reader tokens from single sign-on (`Token pst_…`); plain keys fall through.
        "embed.authentication.SiteTokenAuthentication",
        "comments.authentication.ReaderTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["comments.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "comments.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "write_reader": env.str("PARLEY_THROTTLE_WRITE_READER", default="30/min"),
        "write_ip": env.str("PARLEY_THROTTLE_WRITE_IP", default="120/min"),
        "auth": env.str("PARLEY_THROTTLE_AUTH", default="20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many proxies in front of Parley append to X-Forwarded-For. 0 trusts only the socket
    # address; DRF's default (None) would trust a header any client can forge.
    "NUM_PROXIES": env.int("PARLEY_NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    "DESCRIPTION": "Moderated comment sections for news sites: reader, policy and moderation API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field names ("kind", "state") recur: named, not hash-suffixed.
    "ENUM_NAME_OVERRIDES": {
        "AppealKindEnum": "accountability.models.AppealKind",
        "AppealStateEnum": "accountability.models.AppealState",
        "StandingStateEnum": "policy.models.StandingState",
    },
    # Swagger UI served by Parley itself (drf-spectacular-sidecar), so the docs page's CSP
    # needs no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content-Security-Policy on every response (docs/security.md): scripts only from Parley's own
# origin or inline with the request's nonce; nothing may frame Parley's pages (the embed is a
# script on the host's page, never a frame). Inline styles stay allowed: Django admin templates
# and widgets use them, and styles cannot run code.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if _csp_report_uri := env.str("PARLEY_CSP_REPORT_URI", default=None):
    _CSP["DIRECTIVES"]["report-uri"] = [_csp_report_uri]
# Report-only: browsers report violations (console, PARLEY_CSP_REPORT_URI) but block nothing.
if env.bool("PARLEY_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# Requests larger than this are refused before parsing (absurd sizes never reach a view).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("PARLEY_MAX_REQUEST_BYTES", default=256 * 1024)

CORS_ALLOWED_ORIGINS: list[str] = []
CORS_URLS_REGEX = r"^/api/.*$"
# Origins are decided per site by embed.cors (each Site.allowed_origins, on that site's paths).
# The embed authenticates with a token header, never a cookie: no credentialed CORS.
CORS_ALLOW_CREDENTIALS = False

# Single sign-on: the longest exp - iat a host token may have, and clock skew tolerated.
PARLEY_SSO_MAX_LIFETIME_SECONDS = env.int("PARLEY_SSO_MAX_LIFETIME_SECONDS", default=600)
PARLEY_SSO_LEEWAY_SECONDS = env.int("PARLEY_SSO_LEEWAY_SECONDS", default=30)

# Celery: late acks and prefetch 1 so a worker that dies mid-task leaves the message
# to be redelivered; the visibility timeout outlasts the hard time limit and every retry
# countdown (Redis redelivers any message unacknowledged for that long, ETA tasks included).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Without Redis, tasks run in-process right after the enqueuing transaction commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# The worker keeps its database connections between tasks (config/celery_app.py checks them
# before each task and drops them after a failed one); Celery's own fixup would otherwise open
# a new one per task. The fixup still recycles them after this many tasks.
CELERY_DB_REUSE_MAX = env.int("PARLEY_WORKER_DB_REUSE_MAX", default=1000)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("PARLEY_TASK_SOFT_TIME_LIMIT", default=30)
CELERY_TASK_TIME_LIMIT = env.int("PARLEY_TASK_TIME_LIMIT", default=60)
# A request that enqueues must fail fast when Redis is down (the sweeper catches up later):
# no publish retries, a one-second connect timeout.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("PARLEY_VISIBILITY_TIMEOUT", default=300),
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 0,
}
# Workers (not requests) keep trying to reach a broker that is down.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "sweep-pending": {
        "task": "policy.tasks.sweep_pending_task",
        "schedule": env.int("PARLEY_SWEEP_INTERVAL_SECONDS", default=60),
        "options": {"expires": 55},
    },
    # Appeal and notice e-mails whose task was lost (accountability.messages).
    "sweep-accountability-messages": {
        "task": "accountability.tasks.sweep_messages_task",
        "schedule": env.int("PARLEY_SWEEP_INTERVAL_SECONDS", default=60),
        "options": {"expires": 55},
    },
}

# The moderation pipeline (docs/pipeline.md).
PARLEY_SWEEP_PENDING_AFTER_SECONDS = env.int("PARLEY_SWEEP_PENDING_AFTER_SECONDS", default=120)
PARLEY_SCORER_MAX_RETRIES = env.int("PARLEY_SCORER_MAX_RETRIES", default=3)
PARLEY_SCORER_RETRY_BACKOFF_SECONDS = env.int("PARLEY_SCORER_RETRY_BACKOFF_SECONDS", default=2)
PARLEY_WEBHOOK_MAX_RETRIES = env.int("PARLEY_WEBHOOK_MAX_RETRIES", default=6)
PARLEY_WEBHOOK_RETRY_BACKOFF_SECONDS = env.int("PARLEY_WEBHOOK_RETRY_BACKOFF_SECONDS", default=10)
# A decision is e-mailed to its author only if the comment waited at least this long (or was
# held): an author who saw the answer to their post needs no e-mail.
PARLEY_NOTIFY_AFTER_WAIT_SECONDS = env.int("PARLEY_NOTIFY_AFTER_WAIT_SECONDS", default=60)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="comments@parley.invalid")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Metrics (ops.metrics, docs/operating.md): /metrics answers a bearer token equal to
# PARLEY_METRICS_TOKEN, or direct connections from these addresses or networks (loopback by
# default). PROMETHEUS_MULTIPROC_DIR, read by prometheus-client itself, is where several
# processes (gunicorn's workers) share their values; it must exist and be emptied at start.
PARLEY_METRICS_TOKEN = env.str("PARLEY_METRICS_TOKEN", default=None)
PARLEY_METRICS_ALLOWED_IPS = env.list("PARLEY_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default=None)
# A Celery worker on a host without web processes serves its own metrics here ("host:port").
PARLEY_WORKER_METRICS_BIND = env.str("PARLEY_WORKER_METRICS_BIND", default=None)
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR} is not a directory: create it "
        "(empty) before starting Parley's processes."
    )

# The fast path for cached anonymous reads (comments/fastpath.py, docs/operating.md): False
# sends every request through the whole stack, as before it existed.
PARLEY_FAST_PATH = env.bool("PARLEY_FAST_PATH", default=True)

# Product settings (defaults for new sites; each site can override in the admin).
PARLEY_PAGE_SIZE = env.int("PARLEY_PAGE_SIZE", default=20)
PARLEY_BODY_MAX_CHARS = 5000  # characters in a comment body; a site may take fewer (docs/api.md)
