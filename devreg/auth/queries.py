"""Reading users."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from devreg.auth.models import User
from devreg.extensions import db


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))
