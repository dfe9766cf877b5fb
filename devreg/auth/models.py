"""The User account."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.roles import Duty, Role
from devreg.db import TimestampMixin, UTCDateTime, utcnow
from devreg.extensions import db
from devreg.orgs.models import Organisation


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('holder', 'manufacturer', 'reviewer', 'admin')", name="role"),
        CheckConstraint("role = 'admin' OR organisation_id IS NOT NULL", name="org_required"),
    )
    # the password hash and counters are never copied into the audit trail
    audit_fields = ("email", "display_name", "organisation_id", "role", "has_accept_duty",
                    "has_review_duty", "has_approve_duty", "is_active", "must_change_password",
                    "identity_note")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the login name, stored lower-case
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: printed name, shown on signatures
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(20))
    has_accept_duty: Mapped[bool] = mapped_column(default=False)
    has_review_duty: Mapped[bool] = mapped_column(default=False)
    has_approve_duty: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: bumped on logout, password change and deactivation: older session cookies stop working
    session_version: Mapped[int] = mapped_column(default=1)
    #: why the name or email last changed (a correction for the same person), for the trail
    identity_note: Mapped[str | None] = mapped_column(String(200))
    #: the password was set by an administrator: it must be changed before anything else
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: the user's language choice, None means "follow the browser"
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(
        back_populates="users", lazy="joined"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def has_duty(self, duty: Duty) -> bool:
        return self.role == Role.REVIEWER and bool(getattr(self, f"has_{duty.value}_duty"))

    @property
    def duties(self) -> list[Duty]:
        return [d for d in Duty if self.has_duty(d)]

    @property
    def jurisdiction(self) -> str | None:
        """The province code a reviewer supervises (its regulator's province)."""
        if self.role == Role.REVIEWER and self.organisation is not None:
            return self.organisation.province_code
        return None

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    def __str__(self) -> str:
        return self.display_name
