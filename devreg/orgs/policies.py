"""Who may manage organisations."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("orgs.manage")
def manage(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Organisations are registered by administrators only."""
    return user.role == Role.ADMIN
