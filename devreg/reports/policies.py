"""Who files and who reads the reports."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("reports.file_self_inspection")
def file_self_inspection(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Holders and manufacturers file their own organisation's report (Order 53 Art 45)."""
    return user.role in (Role.HOLDER, Role.MANUFACTURER) and user.organisation_id is not None


@policy("reports.overview")
def overview(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """A province's reviewers see who in their province has filed and who is late."""
    return user.role == Role.REVIEWER


@policy("reports.product_report")
def product_report(user, organisation) -> bool:  # type: ignore[no-untyped-def]
    """The manufacturer's own report; reviewers of a province where it holds a licence."""
    if user.role in (Role.HOLDER, Role.MANUFACTURER):
        return organisation is None or organisation.id == user.organisation_id
    return user.role == Role.REVIEWER
