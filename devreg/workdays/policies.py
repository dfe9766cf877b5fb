"""Who may maintain the working-day calendar and the stage time limits."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("workdays.manage")
def manage(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Official schedules, regulator holidays and time limits are maintained by administrators
    only, including those of a reviewer's own province: they move every clock."""
    return user.role == Role.ADMIN


@policy("workdays.view_limits")
def view_limits(user, province_code) -> bool:  # type: ignore[no-untyped-def]
    """Administrators see every province's limits; a reviewer sees those of the jurisdiction
    (``province_code``; with None, whether the reviewer has a jurisdiction at all)."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.REVIEWER or user.jurisdiction is None:
        return False
    return province_code is None or province_code == user.jurisdiction
