"""Evidence Atlas settings, driven by the environment.

Everything lives in this one module; production behaviour switches on with
``DEBUG`` off (the default) and the environment variables documented in the
README. Locally, ``make run`` sets ``DEBUG=1``.
"""

import datetime
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

from core.formats import API_DATETIME_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent


# Settings from the environment (django-environ), with typed defaults.
env = environ.Env()


def env_rate(name, default):
    """A throttle rate such as ``120/minute``; ``off`` for none (benchmarks)."""
    value = env.str(name, default=default).strip()
    return None if value.lower() in {"off", "none", "0"} else value


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "dataversion",
    "sitecontent",
    "studies",
    "evidence",
    "changes",
    "feedback",
    "backup",
]

MIDDLEWARE = [
    "core.middleware.RequestLogMiddleware",
    "core.throttling.RateLimitHeadersMiddleware",
    "core.db_router.PrimaryPinningMiddleware",
    # Cached counts and responses are keyed by the data version: read once.
    "dataversion.version.DataVersionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that the API's every answer (a 413 or 503 included) says
    # which origins may read it.
    "corsheaders.middleware.CorsMiddleware",
    # Compresses the API's answers, after every other middleware has set them.
    "core.middleware.ApiGZipMiddleware",
    # Before WhiteNoise, so that static files carry the header like pages.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Refuses oversize bodies before anything reads them into memory.
    "core.middleware.RequestSizeLimitMiddleware",
    # A friendly 503 instead of a traceback while the database is away.
    "core.middleware.DatabaseUnavailableMiddleware",
    # ETag on every GET and HEAD, and 304 for a client that already has the
    # response.
    "core.middleware.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, but a write to an address without its trailing slash is
    # answered 308, which clients repeat as the same write.
    "core.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user who has just written reads from the primary.
    "core.db_router.ReadYourWritesMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of every sign-in attempt.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

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

WSGI_APPLICATION = "config.wsgi.application"

# A SQLite file in the project folder unless DATABASE_URL says otherwise, so
# that a fresh clone runs with no database server.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("DB_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a server's database (Django 5.1+): every transaction takes the
    # write lock when it begins (IMMEDIATE), so two writers queue for up to
    # the busy timeout instead of one failing when a deferred transaction
    # tries to upgrade its read lock; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Reads may go to a replica of the primary (core/db_router.py).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env.int("DB_CONN_MAX_AGE", default=60),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        # A replica that does not answer is given up on quickly: its reads
        # go to the primary (core/db_router.py).
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("REPLICA_CONNECT_TIMEOUT", default=2)
        )
    # Tests run against one database; the replica alias mirrors it there.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db_router.PrimaryReplicaRouter"]
# After a replica fails, reads go to the primary this long before it is tried again.
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=5)
# How long a writer's WAL position is kept: their reads go to the primary
# until the replica has replayed it, or this long at most.
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=300)
# /healthz says "degraded" when the replica lags more than this.
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=30)

# Shared by every web process when REDIS_URL is set (throttle counters,
# cached counts and responses, sessions); local to each process otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="atlas"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# ASVS 4.0 2.1.1: at least 12 characters; 2.1.7: no common passwords.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "accounts.passwords.UsernameInPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded and generated files: a local folder unless another storage
    # backend is named (e.g. storages.backends.s3.S3Storage).
    "default": {
        "BACKEND": env.str(
            "FILE_STORAGE_BACKEND",
            default="django.core.files.storage.FileSystemStorage",
        )
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# API tokens expire this many days after they are issued (a superuser may
# clear a token's expiry in the admin).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:tokens"

# --- Security -------------------------------------------------------------
# Production (DEBUG off) is secure by default; each switch can be turned off
# by environment for a deployment behind a proxy that does it instead.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_HOURS without a request (the cookie's age
# is renewed on every request) and, whatever the activity, SESSION_MAX_HOURS
# after sign-in (accounts.middleware.SessionLifetimeMiddleware).
SESSION_IDLE_HOURS = env.float("SESSION_IDLE_HOURS", default=8)
SESSION_MAX_HOURS = env.float("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = int(SESSION_IDLE_HOURS * 3600)
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A Content Security Policy without inline scripts. Inline style attributes
# stay allowed: Django's admin sets some, and they cannot run code.
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

# Request bodies larger than this are refused with 413 (JSON for the API)
# before they are read. Django's own limit is the same number, so that one
# limit, the documented one, applies (it answered a bare 400 at 2.5 MB).
# Uploads to the admin's citation import are capped lower by the form
# (studies/forms.py); the import command takes larger files.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# JSON request bodies nested deeper than this are refused with 400.
MAX_JSON_DEPTH = 32
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Brute force: lock out a username from an address after repeated failures
# on the admin login and the token endpoint (django-axes).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env.int("AXES_COOLOFF_MINUTES", default=15)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The client's address, for lockouts as for throttling (DRF's NUM_PROXIES
# rule): the connection's own address unless NUM_PROXIES > 0.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_VERBOSE = False

# One JSON line per request (method, path, status, duration, user id) when
# LOG_FORMAT=json; plain Django logging otherwise.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "evidence_atlas.requests": {
            "handlers": ["console"],
            "level": "INFO" if LOG_FORMAT == "json" else "WARNING",
            "propagate": False,
        },
        "django.request": {"level": "ERROR"}
        if LOG_FORMAT == "json"
        else {"level": "WARNING"},
    },
}

# How many reverse proxies of this deployment stand in front of the app, each
# appending the address it received the request from to X-Forwarded-For.
# The client address used for throttling and sign-in lockouts is the one the
# outermost trusted proxy saw; with 0 (the default) it is the connection's
# own address and X-Forwarded-For is ignored, so a forged header changes
# nothing. docker-compose.yml runs one nginx in front of the app: 1.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# Readers' "report a problem" notes accepted from one address per hour.
FEEDBACK_REPORTS_PER_HOUR = env.int("FEEDBACK_REPORTS_PER_HOUR", default=5)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anonymous users read; writes need the model permissions of the
    # Curators (add/change) or Editors (delete) group.
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.ModelPermissionsOrAnonReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "120/minute"),
        "user": env_rate("API_THROTTLE_USER", "600/minute"),
        "token": env_rate("API_THROTTLE_TOKEN", "10/minute"),
    },
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # One timestamp format everywhere (core/formats.py).
    "DATETIME_FORMAT": API_DATETIME_FORMAT,
}

# The licence of the open data releases (manage.py make_release).
RELEASE_LICENCE = {
    "name": env.str("RELEASE_LICENCE_NAME", default="CC BY 4.0"),
    "url": env.str(
        "RELEASE_LICENCE_URL", default="https://creativecommons.org/licenses/by/4.0/"
    ),
}

# Sent to Crossref with DOI lookups ("polite pool"): a contact address for
# the operators of this site.
CROSSREF_MAILTO = env.str("CROSSREF_MAILTO", default="")

# How long clients and shared caches may reuse anonymous API reads.
API_CACHE_MAX_AGE = env.int("API_CACHE_MAX_AGE", default=60)
# Anonymous JSON reads of the API are kept in the cache this long (0: never),
# and dropped as soon as anything is written (dataversion/version.py).
API_RESPONSE_CACHE_SECONDS = env.int(
    "API_RESPONSE_CACHE_SECONDS", default=API_CACHE_MAX_AGE
)
# Row counts of paginated lists are cached per filter this long, and dropped
# on writes like cached responses.
COUNT_CACHE_SECONDS = env.int("COUNT_CACHE_SECONDS", default=300)

# Browsers on any other origin may read the API (GET, HEAD, OPTIONS), without
# credentials: cookies never cross origins, and writes need a token anyway.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Content-Disposition",
]
CORS_PREFLIGHT_MAX_AGE = 86400

# Who answers for the API (its schema's contact), and where it is served.
API_CONTACT = {
    "name": env.str("API_CONTACT_NAME", default="Evidence Atlas editors"),
    "email": env.str("API_CONTACT_EMAIL", default=""),
    "url": env.str("API_CONTACT_URL", default=""),
}
API_SERVER_URL = env.str("API_SERVER_URL", default="/")

SPECTACULAR_SETTINGS = {
    "TITLE": "Evidence Atlas API",
    "DESCRIPTION": (
        "Claims, the studies behind them, and graded evidence links. Anonymous clients "
        "read; curators write with a token (`Authorization: Token <key>`, from "
        "`POST /api/v1/auth/token/`). Lists are paginated (`page`, `page_size` up to "
        "100), filterable with the documented parameters (invalid values get a 400 "
        "naming the parameter), and exportable as CSV with `format=csv`."
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": API_SERVER_URL, "description": "This Evidence Atlas"}],
    "CONTACT": {key: value for key, value in API_CONTACT.items() if value},
    # The data the API serves is released under the same licence as the
    # open data releases.
    "LICENSE": RELEASE_LICENCE,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "evidence.models.Status",
        "DesignEnum": "studies.models.Design",
        "PopulationEnum": "studies.models.Population",
        "CertaintyEnum": "evidence.models.Certainty",
        "DomainRatingEnum": "evidence.models.DomainRating",
        "EffectMeasureEnum": "evidence.effects.EffectMeasure",
        "VerdictDirectionEnum": "evidence.models.VerdictDirection",
        "DirectionEnum": "evidence.models.Direction",
    },
}
