"""Who may see and manage production licences."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("production.manage_licences")
def manage_licences(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Administrators record licences as issued by the provincial administrations."""
    return user.role == Role.ADMIN


@policy("production.request_scope_change")
def request_scope_change(user, licence) -> bool:  # type: ignore[no-untyped-def]
    """The licence holder's own manufacturer users ask for a scope change."""
    return (user.role in (Role.MANUFACTURER, Role.HOLDER)
            and licence.organisation_id == user.organisation_id
            and licence.organisation.is_manufacturer)


@policy("production.decide_scope_change")
def decide_scope_change(user, licence) -> bool:  # type: ignore[no-untyped-def]
    """A reviewer with the approve duty of the province that issued the licence decides."""
    from devreg.auth.roles import Duty

    return (user.role == Role.REVIEWER and user.has_duty(Duty.APPROVE)
            and licence.province_code == user.jurisdiction)
