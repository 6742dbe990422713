"""Labnet settings. Every setting that differs between sites comes from a LABNET_* variable;
the defaults run Labnet embedded (SQLite, a filesystem broker) with no external service."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from core.broker import transport_options

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LABNET_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("LABNET_SECRET_KEY", "embedded-only-not-for-production")
DATABASE_URL = os.environ.get("LABNET_DATABASE_URL", f"sqlite:///{VAR_DIR / 'labnet.sqlite3'}")
# Debug pages show settings and code to whoever reaches the server, the embedded run's
# included: only when asked for.
DEBUG = os.environ.get("LABNET_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("LABNET_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tables2",
    "core",
    "entities",
    "filemgr",
    "nms",
    "workers",
    "imaging",
    "printing",
    "backups",
    "accounts",
    "wimp",
]

MIDDLEWARE = [
    "labnet_site.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# A request body holds at most a few values of entities.validation.MAX_VALUE_BYTES (1 MiB),
# which a form sends percent-encoded (up to three times as long).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

ROOT_URLCONF = "labnet_site.urls"
WSGI_APPLICATION = "labnet_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "labnet_site" / "templates"],
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


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.mysql":
        config["OPTIONS"] = {"charset": "utf8mb4", "isolation_level": "read committed"}
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_bin"}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
        # failing with "database is locked" when they upgrade from a read.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
        # A file, not memory, so the central worker an end-to-end test starts reaches the
        # test database; one per test run, since runs on one machine may overlap.
        config["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"labnet-test-{os.getpid()}.sqlite3")
        }
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    return config


DATABASES = {"default": _database(DATABASE_URL)}
# A MariaDB replica of the default database: reads that may lag go to it (core.replica).
REPLICA_DATABASE_URL = os.environ.get("LABNET_REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = _database(REPLICA_DATABASE_URL)
    # Tests read the test database through both.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    MIDDLEWARE.append("core.replica.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("LABNET_TIME_ZONE", "UTC")
FORMAT_MODULE_PATH = ["labnet_site.formats"]
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "labnet_site" / "static"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["entities.api.permissions.ConfigurationPermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Labnet configuration API",
    "DESCRIPTION": "Entity types, variable definitions, entities and the change feed.",
    "VERSION": "1",
    # The schema and its browsable docs reveal no data, but no map of the API for a visitor
    # without an account: a token or a signed-in session reads them (docs/webtool.md).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the site's static files, so the docs work without the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The git master store of managed file instances (filemgr.store).
LABNET_MASTER_STORE = Path(os.environ.get("LABNET_MASTER_STORE", VAR_DIR / "master"))

# Backups (docs/backups.md): where the web server sees each host's file systems ({host} is
# the host's name; NFS or the automounter: /net/bumper/backup1/users, /net/carme/users/...),
# and whose home directory is which, until accounts come from the directory:
# "alice=carme:/users/labnet2/fs1/alice,bob=carme:/users/labnet2/fs1/bob".
LABNET_BACKUP_HOSTS_ROOT = os.environ.get("LABNET_BACKUP_HOSTS_ROOT", "/net/{host}")
LABNET_BACKUP_HOMES = os.environ.get("LABNET_BACKUP_HOMES", "")
LABNET_BACKUP_ZIP_MAX_BYTES = int(os.environ.get("LABNET_BACKUP_ZIP_MAX_BYTES", 2 * 1024**3))
LABNET_BACKUP_ZIP_MAX_FILES = int(os.environ.get("LABNET_BACKUP_ZIP_MAX_FILES", 100_000))

# Celery: Redis in production (LABNET_BROKER_URL=redis://...); a filesystem broker embedded,
# so the web, the central worker and a local agent can run with no service at all.
CELERY_BROKER_URL = os.environ.get("LABNET_BROKER_URL", "filesystem://")
# A publisher (a commit's fan-out, a page's request to an agent) gives up at once when the
# broker is down instead of retrying for seconds in the user's request: agents poll anyway.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0} | transport_options(CELERY_BROKER_URL, VAR_DIR)
CELERY_TASK_DEFAULT_QUEUE = "central"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LABNET_LOG_LEVEL", "INFO")},
}

# The Labnet LDAP directory (accounts app, docs/accounts.md): unset, the account webtool says
# so and sign-on uses local users only.
LABNET_LDAP_URL = os.environ.get("LABNET_LDAP_URL", "")
LABNET_LDAP_BASE = os.environ.get("LABNET_LDAP_BASE", "dc=labnet,dc=example")
LABNET_LDAP_BIND_DN = os.environ.get("LABNET_LDAP_BIND_DN", "")  # default cn=webtool,ou=system
LABNET_LDAP_BIND_PASSWORD = os.environ.get("LABNET_LDAP_BIND_PASSWORD", "")
LABNET_LDAP_HOME_ROOT = os.environ.get("LABNET_LDAP_HOME_ROOT", "/home")
LABNET_LDAP_SAMBA_DOMAIN_SID = os.environ.get("LABNET_LDAP_SAMBA_DOMAIN_SID", "S-1-5-21-0-0-0")
LABNET_CAMPUS_LDAP_URL = os.environ.get("LABNET_CAMPUS_LDAP_URL", "")
LABNET_CAMPUS_LDAP_BASE = os.environ.get("LABNET_CAMPUS_LDAP_BASE", "")
LABNET_CAMPUS_LDAP_BIND_DN = os.environ.get("LABNET_CAMPUS_LDAP_BIND_DN", "")
LABNET_CAMPUS_LDAP_BIND_PASSWORD = os.environ.get("LABNET_CAMPUS_LDAP_BIND_PASSWORD", "")
LABNET_LDAPSYNC_ATTRIBUTES = os.environ.get(
    "LABNET_LDAPSYNC_ATTRIBUTES", "givenName,sn,cn,mail,employeeType"
).split(",")
LABNET_LDAP_ROLE_GROUPS = os.environ.get(
    "LABNET_LDAP_ROLE_GROUPS", "viewer=labnet-viewers,editor=labnet-editors,admin=labnet-admins"
)
if LABNET_LDAP_URL:
    # Directory accounts sign in (accounts.auth); local users stay for the embedded default.
    AUTHENTICATION_BACKENDS = [
        "accounts.auth.LabnetLDAPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
LABNET_ACCOUNT_GRACE_DAYS = int(os.environ.get("LABNET_ACCOUNT_GRACE_DAYS", "30"))
LABNET_ACCOUNT_WARN_DAYS = int(os.environ.get("LABNET_ACCOUNT_WARN_DAYS", "7"))

# Mail for monitoring notifications.
EMAIL_HOST = os.environ.get("LABNET_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LABNET_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("LABNET_EMAIL_FROM", "labnet@localhost")
ADMINS = [("Labnet admins", a) for a in os.environ.get("LABNET_ADMINS", "").split(",") if a]
if not os.environ.get("LABNET_EMAIL_HOST"):
    # Embedded: notifications are written to the log instead of sent.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
