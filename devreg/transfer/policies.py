"""Who may import and set counters."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("transfer.import")
def import_records(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Go-live imports are run by administrators only."""
    return user.role == Role.ADMIN


@policy("transfer.set_counter")
def set_counter(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Serial counters are set by administrators only, with a signed reason."""
    return user.role == Role.ADMIN
