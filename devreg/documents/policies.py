"""Who may manage the documents' seals."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("documents.manage_seals")
def manage_seals(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Only administrators upload a province's seal image."""
    return user.role == Role.ADMIN
