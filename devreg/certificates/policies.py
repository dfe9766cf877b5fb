"""Who may act on certificates."""

from devreg.auth.roles import Duty, Role
from devreg.permissions import policy


@policy("certificates.revoke")
def revoke(user, certificate) -> bool:  # type: ignore[no-untyped-def]
    """Revocation (撤销) by a reviewer with the approve duty of the issuing province."""
    return (user.role == Role.REVIEWER and user.has_duty(Duty.APPROVE)
            and certificate.province_code == user.jurisdiction)


@policy("certificates.apply")
def apply(user, certificate) -> bool:  # type: ignore[no-untyped-def]
    """The holder named on a valid certificate applies for change, renewal, cancellation."""
    return (user.role == Role.HOLDER and certificate.holder_org_id == user.organisation_id
            and certificate.status == "valid")
