"""Running behind proxies, on several hosts: the client's real address, the canonical origin,
accepted Host headers, request ids, log format and SQLite's locking settings."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_host

# a client's X-Request-ID is kept only when it is a short plain token; anything else (long,
# spaces, quotes, newlines that would forge log lines) is replaced by our own
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")


class TrustedHosts:
    """Refuse (400, plain text) a request whose Host is not in TRUSTED_HOSTS before the app
    sees it: no page, link or cache entry is ever built on a forged Host."""

    def __init__(self, wsgi_app: Any, hosts: list[str]):
        self.wsgi_app, self.hosts = wsgi_app, hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        try:
            get_host(environ, trusted_hosts=self.hosts)
        except SecurityError:
            return BadRequest("This host name is not served here.")(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_hosting(app: Flask) -> None:
    if app.config.get("TRUSTED_HOSTS"):
        app.wsgi_app = TrustedHosts(app.wsgi_app, app.config["TRUSTED_HOSTS"])  # type: ignore[method-assign]
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # X-Forwarded-For/-Proto/-Host/-Port/-Prefix set by that many proxies are believed;
        # rate limits and audit events then see the client, not the proxy
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)

    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex[:16]


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL on the canonical origin (PUBLIC_URL), whatever Host the request sent:
    for QR codes, e-mail links and generated documents."""
    origin = current_app.config.get("PUBLIC_URL")
    if not origin:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    if has_request_context() and request.script_root and path.startswith(request.script_root):
        path = path[len(request.script_root):]
    return origin + path


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json), for a log collector."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(method=request.method, path=request.path,
                         client=request.remote_addr)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    if (app.config.get("LOG_FORMAT") or "text").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestIdFilter())
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)


def sqlite_engine_options(app: Flask) -> None:
    """SQLite waits for the write lock instead of failing at once ("database is locked")."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]))
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL: readers never wait for the writer, and the writer never waits for readers."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()
