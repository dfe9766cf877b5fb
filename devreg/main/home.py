"""What each role's home page shows. Later domains add their own sections here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from devreg.production.queries import licences_visible_to


def home_context(user: User) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if user.role in (Role.MANUFACTURER, Role.HOLDER, Role.REVIEWER):
        context["licences"] = db.session.scalars(licences_visible_to(user)).all()
    if user.role == Role.ADMIN:
        context["counts"] = {
            "organisations": db.session.scalar(select(func.count(Organisation.id))),
            "users": db.session.scalar(select(func.count(User.id))),
            "licences": db.session.scalar(select(func.count(ProductionLicence.id))),
        }
    return context
