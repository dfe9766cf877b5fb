"""Who may do what with an arrangement. Visibility is arrangements.queries' job (404)."""

from devreg.auth.roles import Role
from devreg.permissions import policy


@policy("arrangements.propose")
def propose(user, device) -> bool:  # type: ignore[no-untyped-def]
    """The holder proposes production of its own device."""
    return user.role == Role.HOLDER and (device is None
                                         or device.holder_org_id == user.organisation_id)


@policy("arrangements.respond")
def respond(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """The manufacturer named in the arrangement confirms or declines (for self-manufacture
    that is the holder's own organisation)."""
    return (user.role in (Role.MANUFACTURER, Role.HOLDER)
            and arrangement.manufacturer_org_id == user.organisation_id)


@policy("arrangements.withdraw")
def withdraw(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """The holder withdraws its own proposal."""
    return user.role == Role.HOLDER and arrangement.holder_org_id == user.organisation_id


@policy("arrangements.end")
def end(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """Either party ends the arrangement."""
    return user.role in (Role.HOLDER, Role.MANUFACTURER) and user.organisation_id in (
        arrangement.holder_org_id, arrangement.manufacturer_org_id)


@policy("arrangements.supervise")
def supervise(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """A reviewer of either province: the holder's (supervises the holder) or the site's
    (supervises the factory)."""
    return user.role == Role.REVIEWER and user.jurisdiction in (
        arrangement.holder_province_code, arrangement.site_province_code)


@policy("arrangements.order")
def order(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """Suspension, lifting and rectification orders: a reviewer with the approve duty of one of
    the two provinces. Which part the order concerns (the holder's, checked by the holder's
    province; the factory's, by the site's province, Order 53 Art 56) is checked by the
    service against the order's part."""
    from devreg.auth.roles import Duty

    return (user.role == Role.REVIEWER and user.has_duty(Duty.APPROVE)
            and user.jurisdiction in (arrangement.holder_province_code,
                                      arrangement.site_province_code))


@policy("arrangements.record_review")
def record_review(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """The holder records its yearly audit of the manufacturer and agreement review, for
    commissioned production that is under way."""
    return (user.role == Role.HOLDER and arrangement.holder_org_id == user.organisation_id
            and not arrangement.is_self_manufacture
            and arrangement.state in ("confirmed", "active", "suspended"))


@policy("arrangements.view_list")
def view_list(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Companies see their arrangements; reviewers their supervision queue."""
    return user.role in (Role.HOLDER, Role.MANUFACTURER, Role.REVIEWER)


@policy("arrangements.write_notice")
def write_notice(user, arrangement) -> bool:  # type: ignore[no-untyped-def]
    """A reviewer of either province of the arrangement writes to the other one."""
    return user.role == Role.REVIEWER and user.jurisdiction in (
        arrangement.holder_province_code, arrangement.site_province_code)
