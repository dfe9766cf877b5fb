"""Who may see and manage production licences."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("production.manage_licences")
def manage_licences(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Administrators record licences as issued by the provincial administrations."""
    return user.role == Role.ADMIN


@policy("production.view_licence")
def view_licence(user, licence) -> bool:  # type: ignore[no-untyped-def]
    """The licence's own organisation, reviewers of its issuing province, and administrators."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.REVIEWER:
        return licence.province_code == user.jurisdiction
    return licence.organisation_id == user.organisation_id
