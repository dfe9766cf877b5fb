"""Configuration: defaults, then instance/devreg.cfg, then environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "devreg-development-only-secret"  # noqa: S105 - refused outside dev/testing
DEV_AUDIT_KEY = "devreg-development-only-audit-key"  # refused outside development/testing


class Defaults:
    SECRET_KEY = DEV_SECRET_KEY
    #: keys the audit chain's HMAC, checkpoints and backup manifests; kept out of the database
    #: (whoever can write the database must not be able to re-chain it) and distinct from
    #: SECRET_KEY (a leaked session key must not let anyone rewrite the trail)
    AUDIT_KEY = DEV_AUDIT_KEY
    #: where `flask audit checkpoint` appends and `flask audit verify` reads; "-" = stdout only.
    #: Default: <instance>/audit-checkpoints.jsonl
    AUDIT_CHECKPOINT_PATH: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled from DATABASE_URL or the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    UPLOAD_FOLDER: str | None = None  # default: <instance>/uploads, never under static/
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024  # a whole request; larger gets the 413 page
    DOSSIER_MAX_BYTES = 20 * 1024 * 1024  # one dossier file
    #: interpretation (the law sets no limit): all versions of all files of one application
    DOSSIER_QUOTA_BYTES = 2 * 1024 * 1024 * 1024
    #: interpretation: versions one chapter may keep (every version stays, hash and all)
    DOSSIER_MAX_VERSIONS = 50
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # the cookie is re-sent only when the session changes (last_seen, at most once a minute),
    # not re-signed on every request
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; an idle page can still submit
    LOGIN_RATE_LIMIT_PER_ACCOUNT = "10 per minute"
    LOGIN_RATE_LIMIT_PER_ADDRESS = "30 per minute"
    SIGNATURE_RATE_LIMIT_PER_ACCOUNT = "20 per minute"
    SIGNATURE_RATE_LIMIT_PER_ADDRESS = "60 per minute"
    #: the public API (/api/v1), per client address; the token endpoints per token
    API_RATE_LIMIT_PER_ADDRESS = "120 per minute"
    API_RATE_LIMIT_PER_TOKEN = "600 per minute"  # noqa: S105 (a rate, not a secret)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    IDLE_TIMEOUT_MINUTES = 30
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    DEVREG_ENV = "production"
    # --- readings of the law where its text is silent (docs/rules.md §13) ---
    #: Order 47 Art 82 "at least 6 months before expiry" is judged on the date the renewal was
    #: first received ("first_receipt"), so a correction notice cannot make it late; or on the
    #: latest (re)submission ("last_receipt")
    RENEWAL_WINDOW_DATE = "first_receipt"
    #: Order 47 Art 115 does not say what the serial ××××6 counts over: "authority_year" counts
    #: per issuing administration and year across catalogue codes (default); "authority_year_code"
    #: counts per code as well. Choose once at go-live: switching mid-year can repeat a number,
    #: which the unique index then refuses
    CERTIFICATE_SERIAL_SCOPE = "authority_year"
    # "due soon": at most this share of the stage's limit left, never under the minimum
    # (interpretation, docs/rules.md §13; the statute names no warning threshold)
    DUE_SOON_SHARE = 0.2
    DUE_SOON_MIN_WORKING_DAYS = 1
    # the idle-timeout hook rewrites last_seen (and so the session cookie) at most this often
    LAST_SEEN_RESOLUTION_SECONDS = 60
    #: Order 47 Art 79 ¶3: a change filing is due within 30 days of the change
    CHANGE_FILING_DAYS = 30
    #: "calendar" (the stricter reading, default) or "working" (Art 99 reads limits as working
    #: days)
    CHANGE_FILING_DAYS_KIND = "calendar"
    #: the most data rows one import file may hold; a larger file is refused with a clear
    #: message (split it): every row is validated before anything is written, in one transaction
    IMPORT_MAX_ROWS = 20000
    #: interpretation (docs/rules.md §18; the law prescribes no document numbers): how official
    #: documents are numbered, a running serial per kind, province and year. Fields: {abbr}
    #: (冀), {word} (the kind's word, e.g. 受通), {year}, {serial}, {kind}
    DOCUMENT_NUMBER_FORMAT = "{abbr}械{word}〔{year}〕{serial:04d}号"
    # --- several hosts (docs/deployment.md) ---
    STORAGE = "local"  # or "s3": an S3-compatible object store every host shares
    S3_ENDPOINT_URL: str | None = None  # e.g. Ceph radosgw's https://rgw.example:7480
    S3_BUCKET: str | None = None
    S3_REGION: str | None = None
    S3_ACCESS_KEY_ID: str | None = None
    S3_SECRET_ACCESS_KEY: str | None = None
    S3_PREFIX = ""
    ORPHAN_FILE_AGE_HOURS = 24  # `flask sweep` removes stored files without a row after this
    REDIS_URL: str | None = None  # shared limiter store and job queue; inline jobs without it
    RATELIMIT_ALLOW_MEMORY = False  # production refuses memory:// limits unless this is set
    JOBS_QUEUE = "devreg"
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app whose X-Forwarded-* are believed
    PUBLIC_URL: str | None = None  # canonical origin for QR codes, e-mail links, documents
    TRUSTED_HOSTS: list[str] | None = None  # Host headers accepted; others get 400
    LOG_FORMAT = "text"  # or "json": one JSON object a line
    SQLITE_BUSY_TIMEOUT_SECONDS = 30  # a writer waits this long for SQLite's write lock
    #: Order 53 Art 14: a production licence is valid 5 years (also after renewal, Art 17)
    LICENCE_VALIDITY_YEARS = 5
    #: 2022 cross-region opinion (二)(三): feedback after a delegated inspection or a
    #: disposition, in the acting province's working days
    CROSS_REGION_FEEDBACK_WORKING_DAYS = 10
    #: "at least once a year" (2022 No. 20 audit; 2024-38 §5 agreement review): the next one is
    #: due this many months after the last one recorded (or after the planned start)
    REVIEW_INTERVAL_MONTHS = 12
    # --- notifications (docs/notifications.md) ---
    #: "smtp" in production; "console" prints mail (the default in development); "locmem"
    #: keeps it in memory (the default in tests); or a dotted backend class
    MAIL_BACKEND: str | None = None
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "devreg <noreply@devreg.invalid>"
    MAIL_TIMEOUT = 30
    #: a row that failed this many times is marked failed and the admins are told
    OUTBOX_MAX_ATTEMPTS = 6
    #: retry after base * 2**(attempts-1) seconds: 1, 2, 4, 8, 16 minutes
    OUTBOX_RETRY_BASE_SECONDS = 60
    #: rows one sender claims at a time
    OUTBOX_BATCH_SIZE = 50
    #: a row claimed longer ago than this (its sender died) is claimed again
    OUTBOX_CLAIM_TIMEOUT_SECONDS = 600
    #: reminders before the renewal and supplement deadlines, in calendar days
    REMINDER_DAYS = (30, 7, 1)
    #: issue 13: the renewal window opens 6 months (Order 47 Art 82) plus this margin before
    #: expiry; the holder is told on that day
    RENEWAL_REMINDER_MARGIN_DAYS = 30
    #: the reviewers' digest is sent on weekdays (Monday 0 .. Friday 4) by the sweep
    DIGEST_WEEKDAYS = (0, 1, 2, 3, 4)
    #: the yearly self-inspection reminder is sent this many days before 31 March
    SELF_INSPECTION_REMINDER_DAYS = 30


def _env_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_config(app_config: Any, instance_path: str, overrides: dict[str, Any] | None) -> None:
    """Apply the load order. Outside development and testing a real SECRET_KEY is required."""
    app_config.from_object(Defaults)
    app_config.from_pyfile(os.path.join(instance_path, "devreg.cfg"), silent=True)

    env = os.environ
    if env.get("DEVREG_ENV"):
        app_config["DEVREG_ENV"] = env["DEVREG_ENV"]
    if env.get("SECRET_KEY"):
        app_config["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("AUDIT_KEY"):
        app_config["AUDIT_KEY"] = env["AUDIT_KEY"]
    if env.get("AUDIT_CHECKPOINT_PATH"):
        app_config["AUDIT_CHECKPOINT_PATH"] = env["AUDIT_CHECKPOINT_PATH"]
    if env.get("DATABASE_URL"):
        app_config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
    if env.get("RATELIMIT_STORAGE_URI"):
        app_config["RATELIMIT_STORAGE_URI"] = env["RATELIMIT_STORAGE_URI"]
    for name in ("API_RATE_LIMIT_PER_ADDRESS", "API_RATE_LIMIT_PER_TOKEN"):
        if env.get(name):  # e.g. "120 per minute"
            app_config[name] = env[name]
    if env.get("UPLOAD_FOLDER"):
        app_config["UPLOAD_FOLDER"] = env["UPLOAD_FOLDER"]
    if env.get("MAX_UPLOAD_MB"):
        app_config["DOSSIER_MAX_BYTES"] = int(env["MAX_UPLOAD_MB"]) * 1024 * 1024
        app_config["MAX_CONTENT_LENGTH"] = app_config["DOSSIER_MAX_BYTES"] + 1024 * 1024
    for key in ("DOSSIER_QUOTA_BYTES", "DOSSIER_MAX_VERSIONS"):
        if env.get(key):
            app_config[key] = int(env[key])
    if _env_bool(env.get("HTTPS")):
        app_config["SESSION_COOKIE_SECURE"] = True
        app_config["REMEMBER_COOKIE_SECURE"] = True
        app_config["PREFERRED_URL_SCHEME"] = "https"
    for name in ("STORAGE", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID",
                 "S3_SECRET_ACCESS_KEY", "S3_PREFIX", "REDIS_URL", "PUBLIC_URL", "LOG_FORMAT",
                 "AUDIT_KEY"):
        if env.get(name):
            app_config[name] = env[name]
    for name in ("TRUSTED_PROXIES", "ORPHAN_FILE_AGE_HOURS", "SQLITE_BUSY_TIMEOUT_SECONDS",
                 "MAIL_PORT", "OUTBOX_MAX_ATTEMPTS", "OUTBOX_RETRY_BASE_SECONDS"):
        if env.get(name):
            app_config[name] = int(env[name])
    for name in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD",
                 "MAIL_DEFAULT_SENDER"):
        if env.get(name):
            app_config[name] = env[name]
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if env.get(name):
            app_config[name] = _env_bool(env[name])
    if env.get("RATELIMIT_ALLOW_MEMORY"):
        app_config["RATELIMIT_ALLOW_MEMORY"] = _env_bool(env["RATELIMIT_ALLOW_MEMORY"])
    if env.get("TRUSTED_HOSTS"):
        app_config["TRUSTED_HOSTS"] = [h.strip() for h in env["TRUSTED_HOSTS"].split(",")
                                       if h.strip()]
    app_config.from_prefixed_env("DEVREG")

    if overrides:
        app_config.update(overrides)

    if not app_config.get("SQLALCHEMY_DATABASE_URI"):
        app_config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(instance_path) / "devreg.sqlite3"
        )
    else:
        app_config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            app_config["SQLALCHEMY_DATABASE_URI"]
        )
    if not app_config.get("UPLOAD_FOLDER"):
        app_config["UPLOAD_FOLDER"] = str(Path(instance_path) / "uploads")
    if not app_config.get("AUDIT_CHECKPOINT_PATH"):
        app_config["AUDIT_CHECKPOINT_PATH"] = str(Path(instance_path) / "audit-checkpoints.jsonl")

    app_config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        minutes=app_config["IDLE_TIMEOUT_MINUTES"])

    if app_config.get("REDIS_URL") and app_config["RATELIMIT_STORAGE_URI"] == "memory://":
        app_config["RATELIMIT_STORAGE_URI"] = app_config["REDIS_URL"]
    if app_config.get("PUBLIC_URL"):
        app_config["PUBLIC_URL"] = app_config["PUBLIC_URL"].rstrip("/")
        if app_config["PUBLIC_URL"].startswith("https://"):
            app_config["PREFERRED_URL_SCHEME"] = "https"

    if not app_config.get("MAIL_BACKEND"):
        app_config["MAIL_BACKEND"] = ("locmem" if app_config.get("TESTING") else "console"
                                      if app_config["DEVREG_ENV"] == "development" else "smtp")
    relaxed = app_config.get("TESTING") or app_config["DEVREG_ENV"] == "development"
    if not relaxed and app_config["SECRET_KEY"] in (None, "", DEV_SECRET_KEY):
        raise RuntimeError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEVREG_ENV=development for a local demo)."
        )
    if not relaxed and app_config["AUDIT_KEY"] in (None, "", DEV_AUDIT_KEY):
        raise RuntimeError(
            "AUDIT_KEY is not set. Set the AUDIT_KEY environment variable to a secret kept "
            "outside the database (or DEVREG_ENV=development for a local demo)."
        )
    if app_config["AUDIT_KEY"] == app_config["SECRET_KEY"]:
        raise RuntimeError("AUDIT_KEY must differ from SECRET_KEY.")
    if not relaxed:
        check_production(app_config)


MIN_KEY_BYTES = 32


def weak_key_problem(name: str, value: Any) -> str | None:
    """Why a secret is too weak for production, or None. 32 random bytes, as made by
    ``python -c "import secrets; print(secrets.token_urlsafe(32))"``, are the least."""
    raw = value.encode() if isinstance(value, str) else bytes(value or b"")
    if len(raw) < MIN_KEY_BYTES or len(set(raw)) < 10:
        return (f"{name} must be at least {MIN_KEY_BYTES} random bytes; generate one with "
                "python -c \"import secrets; print(secrets.token_urlsafe(32))\"")
    return None


def check_production(app_config: Any) -> None:
    """Refuse to start with settings that only one process on one host can live with."""
    for name in ("SECRET_KEY", "AUDIT_KEY"):
        if name == "SECRET_KEY" or app_config.get(name):
            problem = weak_key_problem(name, app_config.get(name))
            if problem:
                raise RuntimeError(problem)
    if not app_config.get("PUBLIC_URL"):
        raise RuntimeError("PUBLIC_URL is not set: QR codes, e-mail links and documents need "
                           "the canonical origin, e.g. PUBLIC_URL=https://devreg.example.gov.cn")
    if (app_config["RATELIMIT_STORAGE_URI"].startswith("memory://")
            and not app_config.get("RATELIMIT_ALLOW_MEMORY")):
        raise RuntimeError(
            "Rate limits in memory:// are per process: with several workers or hosts they do "
            "not hold. Set REDIS_URL (or RATELIMIT_STORAGE_URI=redis://...), or "
            "RATELIMIT_ALLOW_MEMORY=1 for a single worker process.")


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url
