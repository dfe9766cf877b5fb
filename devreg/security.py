"""Rate limits on sign-in and signing, and the idle-session timeout.

Rate limits sit on top of the account lockout: the lockout stops guessing one account's
password; the limits stop one client, or one account, from trying too fast at all. Storage is
in memory by default (one process); set RATELIMIT_STORAGE_URI=redis://... so that several
gunicorn workers share the counts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from devreg.i18n import _

#: how often the idle-timeout hook rewrites ``last_seen`` (and so the session cookie)
LAST_SEEN_RESOLUTION_SECONDS = 60

F = TypeVar("F", bound=Callable[..., Any])

limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")


def _account_key() -> str:
    """The account being signed in to or signing; the client address when unknown."""
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    email = (request.form.get("email") or "").strip().lower()
    return f"email:{email}" if email else f"addr:{get_remote_address()}"


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def login_rate_limit(view: F) -> F:
    view = limiter.limit(_setting("LOGIN_RATE_LIMIT_PER_ACCOUNT"), key_func=_account_key,
                         methods=["POST"], scope="login-account")(view)
    return limiter.limit(_setting("LOGIN_RATE_LIMIT_PER_ADDRESS"), methods=["POST"],
                         scope="login-address")(view)  # type: ignore[return-value]


_signature_per_account = limiter.shared_limit(
    _setting("SIGNATURE_RATE_LIMIT_PER_ACCOUNT"), scope="signature-account",
    key_func=_account_key, methods=["POST"])
_signature_per_address = limiter.shared_limit(
    _setting("SIGNATURE_RATE_LIMIT_PER_ADDRESS"), scope="signature-address", methods=["POST"])


def signature_rate_limit(view: F) -> F:
    """For every view whose form carries the signature password."""
    return _signature_per_address(_signature_per_account(view))  # type: ignore[return-value]


def init_security(app: Flask) -> None:
    limiter.init_app(app)

    @app.before_request
    def end_idle_sessions():  # type: ignore[no-untyped-def]
        """Sign out a session left idle longer than IDLE_TIMEOUT_MINUTES."""
        if request.path.startswith("/api/"):
            return None  # the API never reads the session (personal tokens only)
        if not current_user.is_authenticated:
            return None
        now = int(time.time())
        last_seen = session.get("last_seen")
        timeout = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
        if isinstance(last_seen, int) and now - last_seen > timeout:
            logout_user()
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_("You were signed out after %(minutes)d minutes without activity.",
                    minutes=current_app.config["IDLE_TIMEOUT_MINUTES"]), "info")
            return redirect(url_for("auth.login", next=request.full_path
                                    if request.method == "GET" else None))
        # written at most once a minute: the session cookie is re-signed and re-sent only then
        # (SESSION_REFRESH_EACH_REQUEST is off), not on every request
        resolution = current_app.config.get("LAST_SEEN_RESOLUTION_SECONDS",
                                            LAST_SEEN_RESOLUTION_SECONDS)
        if not isinstance(last_seen, int) or now - last_seen >= resolution:
            session["last_seen"] = now
        return None
