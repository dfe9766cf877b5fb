"""Session loading. The session holds "<user id>:<session version>"; bumping the version on
logout, password change or deactivation makes every older cookie worthless."""

from __future__ import annotations

from devreg.auth.models import User
from devreg.extensions import db, login_manager
from devreg.i18n import _l

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(token: str) -> User | None:
    user_id, _sep, version = token.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user
