"""Creating, revoking and checking personal API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from devreg.api.models import ApiToken
from devreg.audit.services import label_next_change
from devreg.auth.roles import Role
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _, _l

#: every token starts with this (secret scanners can recognise a leaked one)
TOKEN_PREFIX = "dvr_"  # noqa: S105 (a marker, not a secret)
#: what a token may read: its owner's records, or a reviewer's queues
SCOPES = {"read:own": _l("Read my records (devices, applications, certificates, "
                         "arrangements)"),
          "read:queue": _l("Read my review queues")}
#: which scopes each role may give a token (administrators have no API tokens)
ROLE_SCOPES = {Role.HOLDER: ("read:own",), Role.MANUFACTURER: ("read:own",),
               Role.REVIEWER: ("read:own", "read:queue")}
#: how long a new token may live, in days (devreg policy: tokens expire, at most a year)
LIFETIMES = (30, 90, 180, 365)
#: live tokens an account may hold at once
MAX_LIVE_TOKENS = 10


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def scopes_for(user) -> Sequence[str]:  # type: ignore[no-untyped-def]
    return ROLE_SCOPES.get(Role(user.role), ())


def live_tokens(user, today: date) -> list[ApiToken]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        ApiToken.expires_on >= today)))


def tokens_of(user) -> list[ApiToken]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))


def create_token(user, *, name: str, scopes: Sequence[str], days: int,  # type: ignore[no-untyped-def]
                 today: date) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row (flushed) and the token itself, to show once."""
    allowed = scopes_for(user)
    if not allowed:
        raise DomainError(_("Administrators have no API tokens."))
    if not scopes or set(scopes) - set(allowed):
        raise DomainError(_("Choose what the token may read."))
    if days not in LIFETIMES:
        raise DomainError(_("Choose how long the token works."))
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."))
    if len(live_tokens(user, today)) >= MAX_LIVE_TOKENS:
        raise DomainError(_("You already have %(count)d live tokens: revoke one first.",
                            count=MAX_LIVE_TOKENS))
    duplicate = db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)))
    if duplicate:
        raise DomainError(_("You already have a token of that name: choose another name "
                            "or revoke it."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=raw[:12], token_hash=token_hash(raw),
                     scopes=" ".join(s for s in allowed if s in scopes),
                     expires_on=today + timedelta(days=days))
    label_next_change(token, "create_api_token")
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise DomainError(_("This token was already revoked."))
    label_next_change(token, "revoke_api_token")
    token.revoked_at = utcnow()
    db.session.flush()


def authenticate(header: str | None, today: date) -> ApiToken | None:
    """The live token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _sep, raw = header.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = token_hash(raw)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # the lookup is by hash (an index); compare again in constant time all the same
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.is_live(today):
        return None
    if token.last_used_on != today:
        token.last_used_on = today  # one write a day per token, not one per request
        db.session.commit()
        current_app.logger.info("api token %s of user %s used", token.id, token.user_id)
    return token
