"""User roles and reviewer duties."""

from enum import StrEnum

from devreg.i18n import _l


class Role(StrEnum):
    HOLDER = "holder"
    MANUFACTURER = "manufacturer"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def title(self) -> str:
        return str(ROLE_TITLES[self])


ROLE_TITLES = {
    Role.HOLDER: _l("Registration holder"),
    Role.MANUFACTURER: _l("Commissioned manufacturer"),
    Role.REVIEWER: _l("Reviewer"),
    Role.ADMIN: _l("Administrator"),
}


class Duty(StrEnum):
    """What a reviewer may do in the registration workflow (docs/rules.md §2)."""

    ACCEPT = "accept"
    REVIEW = "review"
    APPROVE = "approve"

    @property
    def title(self) -> str:
        return str(DUTY_TITLES[self])


DUTY_TITLES = {
    Duty.ACCEPT: _l("Acceptance"),
    Duty.REVIEW: _l("Technical review"),
    Duty.APPROVE: _l("Approval"),
}
