"""Personal API tokens: created and revoked by their owner on the account page, shown once,
stored as the SHA-256 of the token (the token itself is never stored), scoped and expiring.
Creation and revocation are in the audit trail (``audit_fields``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.models import User
from devreg.db import TimestampMixin, UTCDateTime
from devreg.extensions import db


class ApiToken(TimestampMixin, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        # one live token of a name per account (a revoked one frees its name)
        Index("uq_api_tokens_live_name", "user_id", "name", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )
    # the hash is not copied into the trail; when a token was used is not an audited change
    audit_fields = ("user_id", "name", "prefix", "scopes", "expires_on", "revoked_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the token's first characters, shown in the list so its owner can tell tokens apart
    prefix: Mapped[str] = mapped_column(String(16))
    #: hex SHA-256 of the whole token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: space-separated: read:own, read:queue
    scopes: Mapped[str] = mapped_column(String(100))
    #: the last day (China time) the token works
    expires_on: Mapped[date] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the last day it was used (written at most once a day)
    last_used_on: Mapped[date | None] = mapped_column()

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_live(self, today: date) -> bool:
        return self.revoked_at is None and today <= self.expires_on and self.user.is_active
