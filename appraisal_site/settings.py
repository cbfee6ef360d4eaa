"""Settings, read from environment variables.

Every variable has a safe default for development (SQLite file, in-process
tasks, DEBUG on). Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL`` and ``CELERY_BROKER_URL``; README lists them all.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
# Old keys after a rotation: sessions, signed links and the stored DingTalk secrets
# (accounts.encryption) made under them still read.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Moves the application's clock (accounts.periods.today) to this ISO date, for demos and walking a
# quarter by hand; read only in development, so production always runs on the real date.
APPRAISAL_TODAY = env.str("APPRAISAL_TODAY", default="") if DEBUG else ""

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form whose token no longer matches: the site's own page, in Chinese, with the way back.
CSRF_FAILURE_VIEW = "appraisal_site.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's form templates, for FORM_RENDERER below.
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "rules.apps.AutodiscoverRulesConfig",
    "auditlog",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "targets",
    "summaries",
    "evaluations",
    "publicity",
    "appraisal_site",
]

MIDDLEWARE = [
    # First: every response carries X-Request-ID, every log line the request's id, user and organisation.
    "accounts.logs.RequestLogMiddleware",
    # Each organisation's policy read once per request, whichever middleware or view asks first.
    "accounts.middleware.PolicyMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a POST's body: a body above the limit is refused unread.
    "accounts.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's pages are not cached (no-store, private) unless the view says otherwise.
    "accounts.middleware.PrivatePagesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    # Sent to sign in because the session ended: said so; a form posted then goes back to its page
    # after signing in, with what was typed.
    "accounts.middleware.EndedSessionMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    # Inside the audit context: a refused change is an entry with its source address.
    "accounts.middleware.RefusedActionAuditMiddleware",
    # A browser's GET of a POST-only address: the Chinese 405 page, not the browser's English one.
    "accounts.middleware.MethodNotAllowedPageMiddleware",
    # Axes must be last: it turns a lockout raised anywhere above into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "appraisal_site.urls"
WSGI_APPLICATION = "appraisal_site.wsgi.application"

# Form widgets render through TEMPLATES, so templates/django/forms/ overrides Django's own
# (the select with its options inline: templates/django/forms/widgets/select.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
                "accounts.context_processors.navigation",
                "accounts.context_processors.restored_form",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers and a Celery worker write to one file: WAL lets
    # readers go on during a write, IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # JIT compilation pays off for long analytical queries, not for page queries: a roster of
    # 8 people whose plan cost crossed jit_above_cost took 558 ms with JIT and 29.5 ms without.
    # POSTGRES_JIT=on restores the server's setting.
    if not env.bool("POSTGRES_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and passwords ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # ModelBackend's rights, with user names unique per organisation (accounts.models.User).
    "accounts.backends.OrganisationUsernameBackend",
]
# USERNAME_FIELD is unique per organisation, not across them, on purpose (accounts.models.User):
# the backend above finds the namesake whose password matches.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTH_PASSWORD_VALIDATORS = [
    # Django's rule with its message in Chinese (accounts.validators says why).
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    # Stricter rules an organisation's security administrator set (Policy.password_min_*).
    {"NAME": "accounts.validators.PolicyPasswordRulesValidator"},
    {"NAME": "accounts.validators.NotUsernameValidator"},
    {"NAME": "accounts.validators.CommonPasswordValidator"},
    # No reuse of the last five; also records each new hash and the change time (maximum age).
    {"NAME": "accounts.validators.PasswordHistoryValidator", "OPTIONS": {"depth": 5}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout (accounts/lockout.py): five failures lock the pair (account, source address) for fifteen
# minutes, so an attacker elsewhere cannot lock the owner out of their own desk; thirty failures
# over any accounts from one address stop every sign-in from it. Offices sit behind one NAT
# address, hence the address limit is well above the account limit.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.PairAndAddressHandler"
# The address is the one the audit trail records (accounts.audit.source_address): the
# connection's, or, behind a proxy named in TRUSTED_PROXIES (nginx in production), the client's
# that the proxy forwards. A client's own X-Forwarded-For is never believed; without this every
# user behind nginx would share 127.0.0.1 and one attacker could lock an account for everyone.
AXES_CLIENT_IP_CALLABLE = "accounts.audit.source_address"
# Failures count against the person a typed name designates (per organisation), not the bare name.
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the organisation's policy may shorten or lengthen it per request
# (accounts.middleware.IdleTimeoutMiddleware); this is the fallback.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# Not on every request: IdleTimeoutMiddleware renews the expiry at most every
# SESSION_RENEW_SECONDS (the idle timeout is exact to that).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60)
# Two-factor sign-in (accounts.middleware.TwoFactorMiddleware, Policy.two_factor_required).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="平时考核系统")
OTP_TOTP_THROTTLE_FACTOR = 1

# The cookie lasts until the browser closes unless the person ticks "记住我" at sign-in
# (accounts.sessions.SessionStore); the idle timeout applies either way.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security headers (GB/T 22239 level 3) ---------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("USE_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The health probe is polled over plain HTTP from inside the host.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No inline scripts or styles anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls with data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
    }
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The navbar's language switch is remembered for a year (accounts.middleware.ChosenLanguageMiddleware).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence lives outside the web root and is served only through views
# that check permissions, never by URL.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
PRIVATE_FILES_ROOT = env.path("PRIVATE_FILES_ROOT", default=BASE_DIR / "var" / "private")

# --- Forms ------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Filter drop-downs offer 全部 rather than "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("全部")

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# Without a broker every task runs in-process, and its errors reach the caller.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
# A hung Redis must not hang a web request: measured 40 s+ with the defaults,
# about 4 s with these.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    # Longer than any countdown we use, so a delayed task is not redelivered.
    "visibility_timeout": 4 * 3600,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    # Without this a result-bearing .delay() against a dead Redis retried for 19–63 s.
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 1, "interval_max": 1},
}
# Our tasks report through the database (rows, notifications), not through results.
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 1, "interval_max": 1}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Schedules are defined here, in code; django-celery-beat's DatabaseScheduler copies them into
# its tables when beat starts, where the admin can see them. Times are Asia/Shanghai.


def _beat(task: str, **when) -> dict:
    """A beat entry: ``task`` on the crontab ``when`` (Asia/Shanghai)."""
    return {"task": task, "schedule": crontab(**when)}


CELERY_BEAT_SCHEDULE = {
    "deadline-reminders": _beat("summaries.tasks.send_deadline_reminders", hour=9, minute=0),
    # Queued as entries of the reviewers' 17:30 digest (one message a day), not sent alone.
    "review-reminders": _beat("summaries.tasks.send_review_reminders", hour=9, minute=30, day_of_week="mon-fri"),
    # Feedback talks overdue after locking go into the talkers' daily digest (sent at 17:30).
    "feedback-reminders": _beat("publicity.tasks.send_feedback_reminders", hour=9, minute=45, day_of_week="mon-fri"),
    "quarter-rollups": _beat("evaluations.tasks.rollup_due_quarters", hour=2, minute=0),
    "veto-reconciliation": _beat("evaluations.tasks.reconcile_veto_flags", hour=1, minute=30),
    "discipline-check": _beat("evaluations.tasks.check_discipline_months", hour=3, minute=0),
    # One digest a day per person of what notify(digest=True) queued (new items to review, grades
    # changed by the leader, quarters approved), late afternoon so the day's events are in it.
    "notification-digests": _beat("accounts.tasks.send_notification_digests", hour=17, minute=30),
    # Audit entries past the retention (at least 180 days) are removed through the one allowed path.
    "audit-retention": _beat("accounts.tasks.purge_audit_log", hour=4, minute=15),
    # 定等: publication windows that closed the day before, and 复核/申诉 deadlines for HR.
    "lock-publications": _beat("publicity.tasks.lock_publications", hour=0, minute=30),
    "review-case-reminders": _beat("publicity.tasks.remind_review_cases", hour=8, minute=45),
    # Background jobs whose enqueue failed or whose worker died are picked up again within a minute.
    "job-sweeper": _beat("accounts.tasks.sweep_jobs"),
    # Finished background jobs past JOBS_RETENTION_DAYS (their files went after 7 days).
    "job-retention": _beat("accounts.tasks.purge_jobs", hour=4, minute=20),
    # Sessions past their expiry, and whatever they kept (a one-time password), removed.
    "expired-sessions": _beat("accounts.tasks.clear_expired_sessions", hour=4, minute=30),
    # Exported year workbooks past REPORTS_RETENTION_DAYS are removed (publicity.reports).
    "expired-reports": _beat("publicity.tasks.remove_expired_reports", hour=4, minute=45),
}

# --- Reports (publicity.reports) --------------------------------------------
# Days an exported year workbook is kept for download; a department's record forms beyond this
# many people are made by a background job instead of in the request.
REPORTS_RETENTION_DAYS = env.int("REPORTS_RETENTION_DAYS", default=30)
REPORTS_INLINE_FORMS_MAX = env.int("REPORTS_INLINE_FORMS_MAX", default=15)

# --- Background jobs (accounts.jobs) ----------------------------------------
# Days a finished job's row (its progress page, its summary) is kept; the daily task
# accounts.tasks.purge_jobs (or manage.py purge_jobs) removes older ones. Never below 7 days, the
# time its result file is kept.
JOBS_RETENTION_DAYS = env.int("JOBS_RETENTION_DAYS", default=90)
# Seconds between a Celery worker's heartbeats (accounts.heartbeat; /healthz's "worker").
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=60)

# --- E-mail -----------------------------------------------------------------
# Notices are e-mailed only when EMAIL_HOST is set (accounts.services.notify); the console backend
# is the default for mails sent otherwise (password resets by a command, tests).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="appraisal@localhost")
EMAIL_TIMEOUT = 10

# --- Audit ------------------------------------------------------------------
AUDITLOG_LOGENTRY_MODEL = "accounts.AuditEntry"
# django-auditlog's own migrations create its default table even though the model is swapped
# for ours; that orphan table then blocks TRUNCATE between PostgreSQL transactional tests.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Proxies (addresses or CIDR networks) whose X-Forwarded-For the audit trail believes; anyone else's
# header is ignored and the connection's address is recorded (accounts.audit.source_address).
_proxies = env.list("TRUSTED_PROXIES", default=[])
# "none" says it on purpose: served without a reverse proxy (the deploy check, accounts.checks,
# warns when production says neither).
SERVED_WITHOUT_PROXY = [proxy.lower() for proxy in _proxies] == ["none"]
TRUSTED_PROXIES = [] if SERVED_WITHOUT_PROXY else _proxies

# Request bodies: every page but the uploads (which bound their own, accounts.storage) refuses a
# body announcing more than this, unread (accounts.middleware.RequestBodyLimitMiddleware); the
# form fields Django keeps in memory are bounded alike. nginx's client_max_body_size (README)
# stops larger bodies before they reach gunicorn.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Audit entries are kept this many days (never fewer than 180: GB/T 22239 level 3), then purged daily.
AUDIT_RETENTION_DAYS = max(180, env.int("AUDIT_RETENTION_DAYS", default=180))

# --- DingTalk work-group robot (publicity.dingtalk) ---------------------------------------------
# The webhook and its signing secret are each organisation's policy; these are the installation's.
# One attempt waits at most this long for DingTalk (the push runs in the background; retries pause longer).
DINGTALK_TIMEOUT_SECONDS = env.float("DINGTALK_TIMEOUT_SECONDS", default=5.0)
# Where a webhook may point: HR types the address, and the server posts to it, so an address
# elsewhere (this server, the office's network) is refused when saved and never posted to. A
# comma-separated list of prefixes; add a government DingTalk's (专有钉钉/浙政钉) robot address.
DINGTALK_WEBHOOK_PREFIXES = env.list("DINGTALK_WEBHOOK_PREFIXES", default=["https://oapi.dingtalk.com/robot/send?"])
# The address staff open the system at (e.g. https://kaohe.example.gov.cn): messages link to the
# page they are about; empty → no link.
SITE_URL = env.str("SITE_URL", default="")

# Logs go to stdout, for systemd's journal and for containers: JSON lines (accounts.logs) with the
# request id, user id and organisation, or the Celery task; LOG_FORMAT=text for plain lines.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "accounts.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "accounts.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own request logger repeats what appraisal.request says (4xx/5xx); errors keep
        # their traceback through it.
        "django.request": {"level": "ERROR"},
        # One line per request, already written by accounts.logs.RequestLogMiddleware.
        "django.server": {"level": "WARNING"},
    },
}
# The worker keeps the logging above (JSON on stdout) instead of replacing it with its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
