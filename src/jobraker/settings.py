"""Django settings, derived from the validated ``jobraker.config.Settings``; nothing read ad hoc."""

from __future__ import annotations

from datetime import timedelta

from psycopg.conninfo import conninfo_to_dict

from jobraker.config import get_settings

config = get_settings()

SECRET_KEY = config.secret_key.get_secret_value() if config.secret_key else ""
DEBUG = False
ALLOWED_HOSTS = [*config.allowed_hosts, "testserver"] if not config.is_production else config.allowed_hosts

INSTALLED_APPS = [
    "jazzmin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "jobraker.accounts",
    "jobraker.privacy",
    "jobraker.projections",
    "jobraker.resumes",
    "jobraker.embeddings",
    "jobraker.appliers",
    "jobraker.audit",
    "jobraker.delivery",
    "jobraker.assistant",
    "jobraker.sources",
    "jobraker.inbox",
    "jobraker.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jobraker.api.security.ContentSecurityPolicyMiddleware",
    "jobraker.api.security.NoStoreMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "jobraker.api.static_files.StaticFilesMiddleware",  # WhiteNoise
    "jobraker.api.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns the admin login's lockout into its 429 page
]

ROOT_URLCONF = "jobraker.urls"
WSGI_APPLICATION = "jobraker.wsgi.application"
AUTH_USER_MODEL = "accounts.Account"
# Accounts are found by the blind index of their e-mail address (accounts/backends.py).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def _database(url: str | None) -> dict[str, object]:
    parts = conninfo_to_dict(url or "dbname=postgres")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.get("dbname", "postgres"),
        "USER": parts.get("user", "postgres"),
        "PASSWORD": parts.get("password", ""),
        "HOST": parts.get("host", ""),
        "PORT": parts.get("port", ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # prepare_threshold: statements through projections/prepared.py's server-binding cursor
        # are prepared on their first run in a connection (Django's own cursors never prepare).
        "OPTIONS": {"connect_timeout": 5, "prepare_threshold": 0},
    }


DATABASES = {"default": _database(config.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out client before any password check
    "jobraker.accounts.backends.EmailBackend",  # finds the account by its address's blind index
]

# django-axes guards the admin login (/admin/login/): after AXES_FAILURE_LIMIT wrong passwords
# from one address, or against one account, that address or account is locked for the cool-off.
# The API's own login is throttled by DRF (REST_FRAMEWORK below). Attempts are counted in Redis
# under hashed keys (no e-mail or address at rest); logs mask both.
AXES_ONLY_ADMIN_SITE = True
AXES_HANDLER = "jobraker.accounts.lockout.AdminLoginLockout"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one reaching the limit locks
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (axes would look for "email")
AXES_CLIENT_IP_CALLABLE = "jobraker.api.client_address.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "jobraker/locked_out.html"
AXES_ENABLE_ADMIN = False  # its attempt tables stay empty with the cache handler

PASSWORD_HASHERS = [
    "jobraker.accounts.hashers.ConfiguredArgon2PasswordHasher",  # Argon2id, cost from the settings
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Without a collected STATIC_ROOT (development), serve the packages' own static files directly.
STATIC_ROOT = config.static_root
WHITENOISE_USE_FINDERS = config.static_root is None
WHITENOISE_AUTOREFRESH = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jobraker.api.tokens.VersionedJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jobraker.api.problems.problem_exception_handler",
    # Client addresses (throttles, axes): X-Forwarded-For only as far as our proxies wrote it.
    "NUM_PROXIES": config.trusted_proxies,
    "DEFAULT_THROTTLE_RATES": {
        "login": "10/min",  # per client address
        "login_account": "30/hour",  # per account tried, from any address
        "register": "20/hour",
        "password_check": "5/hour",  # per account: re-entered passwords (erasure)
        # Per caller, on what costs work or storage (api/throttles.py CandidateQuota).
        "exports": "10/day",
        "alerts": "30/hour",
        "conversations": "30/hour",
        "semantic_search": "30/min",
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's defaults, with JSON nesting limited (a 1,000-deep body was a RecursionError, a 500).
    "DEFAULT_PARSER_CLASSES": [
        "jobraker.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": SECRET_KEY,
    "UPDATE_LAST_LOGIN": True,  # retention measures inactivity from the last login
    # Token versions (api/tokens.py): logout, password change and erasure end tokens at once.
    "TOKEN_OBTAIN_SERIALIZER": "jobraker.api.tokens.LoginSerializer",
    "TOKEN_REFRESH_SERIALIZER": "jobraker.api.tokens.RefreshSerializer",
    "TOKEN_BLACKLIST_SERIALIZER": "jobraker.api.tokens.LogoutSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Jobraker API",
    "DESCRIPTION": "Autonomous job search and application. Writes return an event position; "
    "send it back as `X-Min-Position` to read your own writes.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the problem+json errors it can answer (api/schema_problems.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jobraker.api.schema_problems.add_problem_responses",
    ],
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": config.redis_url or "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": "jobraker-cache",
    }
}

JAZZMIN_SETTINGS = {
    "site_title": "Jobraker admin",
    "site_header": "Jobraker",
    "site_brand": "Jobraker",
    "welcome_sign": "Jobraker staff admin",
    "show_ui_builder": False,
    "topmenu_links": [{"name": "Operations", "url": "admin-operations", "permissions": []}],
    "custom_links": {"projections": [{"name": "Operations", "url": "admin-operations", "icon": "fas fa-gauge"}]},
}

# Browsers on these origins may call the API (JOBRAKER_CORS_ORIGINS, comma-separated).
CORS_ALLOWED_ORIGINS = config.cors_origins
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["X-Event-Position", "X-Request-ID", "ETag", "X-Projection-Stale"]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if config.is_production:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# E-mail (notifications): files in the data folder's outbox by default, SMTP once EMAIL_HOST is set (see config.py).
EMAIL_BACKEND = config.email_backend_path
EMAIL_HOST = config.email_host or "localhost"
EMAIL_PORT = config.email_port
EMAIL_HOST_USER = config.email_host_user
EMAIL_HOST_PASSWORD = config.email_host_password.get_secret_value() if config.email_host_password else ""
EMAIL_USE_TLS = config.email_use_tls
EMAIL_USE_SSL = config.email_use_ssl
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = config.email_from

LOGGING_CONFIG = None  # structlog owns logging; see jobraker.logs
from jobraker.logs import configure_logging, register_secrets  # noqa: E402

register_secrets(config.secret_values())
configure_logging(config.log_level)
