"""Reading devices and applications, scoped to what the user may see (else 404)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, select

from devreg.auth.roles import Role
from devreg.extensions import db
from devreg.registrations.models import Application, Device, DossierFile
from devreg.registrations.states import ApplicationState


def devices_visible_to(user) -> Select[tuple[Device]]:  # type: ignore[no-untyped-def]
    query = select(Device).order_by(Device.name)
    if user.role == Role.HOLDER:
        return query.where(Device.holder_org_id == user.organisation_id)
    return query.where(false())


def get_device_or_404(device_id: int, user) -> Device:  # type: ignore[no-untyped-def]
    device = db.session.scalar(devices_visible_to(user).where(Device.id == device_id))
    if device is None:
        abort(404)
    return device


def applications_visible_to(user) -> Select[tuple[Application]]:  # type: ignore[no-untyped-def]
    """Holders see their organisation's applications; reviewers see applications filed in
    their province once submitted (drafts stay private to the holder); nobody else sees any."""
    query = select(Application).order_by(Application.id.desc())
    if user.role == Role.HOLDER:
        return query.where(Application.holder_org_id == user.organisation_id)
    if user.role == Role.REVIEWER:
        return query.where(Application.province_code == user.jurisdiction,
                           Application.state != ApplicationState.DRAFT.value)
    return query.where(false())


def get_application_or_404(application_id: int, user) -> Application:  # type: ignore[no-untyped-def]
    application = db.session.scalar(
        applications_visible_to(user).where(Application.id == application_id))
    if application is None:
        abort(404)
    return application


def get_file_or_404(application: Application, file_id: int) -> DossierFile:
    record = db.session.get(DossierFile, file_id)
    if record is None or record.application_id != application.id:
        abort(404)
    return record
