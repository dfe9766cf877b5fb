"""Who may manage accounts."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("auth.manage_users")
def manage_users(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Only administrators create, deactivate, unlock and reset accounts."""
    return user.role == Role.ADMIN


@policy("auth.change_own_password")
def change_own_password(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Every signed-in user may change their own password."""
    return True
