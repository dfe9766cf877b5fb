"""Holder-side actions on devices and applications. Visibility (which records) is decided by
registrations.queries; these decide what a user who sees the record may do."""

from devreg.auth.roles import Role
from devreg.permissions import policy
from devreg.registrations.states import ApplicationState

S = ApplicationState


def _own(user, application) -> bool:  # type: ignore[no-untyped-def]
    return user.role == Role.HOLDER and application.holder_org_id == user.organisation_id


@policy("registrations.manage_devices")
def manage_devices(user, device) -> bool:  # type: ignore[no-untyped-def]
    """Holders manage their own organisation's devices."""
    return user.role == Role.HOLDER and (device is None or
                                         device.holder_org_id == user.organisation_id)


@policy("registrations.create_application")
def create_application(user, device) -> bool:  # type: ignore[no-untyped-def]
    """Holders file applications for their own devices."""
    return manage_devices(user, device)


@policy("registrations.edit")
def edit(user, application) -> bool:  # type: ignore[no-untyped-def]
    """The holder edits and uploads while the dossier is with it: draft, correction, supplement."""
    return _own(user, application) and application.state in (
        S.DRAFT, S.CORRECTION_REQUESTED, S.SUPPLEMENT_REQUESTED)


@policy("registrations.submit")
def submit(user, application) -> bool:  # type: ignore[no-untyped-def]
    """Only the holder submits (and signs) its own application."""
    return _own(user, application)


@policy("registrations.withdraw")
def withdraw(user, application) -> bool:  # type: ignore[no-untyped-def]
    """The holder may withdraw its application until a decision is taken."""
    return _own(user, application)


@policy("registrations.object")
def object_to_opinion(user, application) -> bool:  # type: ignore[no-untyped-def]
    """The holder objects to a negative review opinion on its own application (Art 57)."""
    return _own(user, application)


@policy("registrations.answer_supplement")
def answer_supplement(user, application) -> bool:  # type: ignore[no-untyped-def]
    """The holder answers the supplement request on its own application."""
    return _own(user, application)


@policy("registrations.view_list")
def view_list(user, _obj) -> bool:  # type: ignore[no-untyped-def]
    """Holders and reviewers have application lists."""
    return user.role in (Role.HOLDER, Role.REVIEWER)
