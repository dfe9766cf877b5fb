"""Reading certificates: scoped lists for signed-in users, and the public registry."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, or_, select

from devreg.arrangements.queries import device_ids_linked_to
from devreg.auth.roles import Role
from devreg.certificates.models import Certificate
from devreg.extensions import db

REGISTRY_PAGE_SIZE = 50


def certificates_visible_to(user) -> Select[tuple[Certificate]]:  # type: ignore[no-untyped-def]
    query = select(Certificate).order_by(Certificate.number)
    if user.role == Role.ADMIN:
        return query
    linked = Certificate.device_id.in_(device_ids_linked_to(user))
    if user.role == Role.HOLDER:
        return query.where(or_(Certificate.holder_org_id == user.organisation_id, linked))
    if user.role == Role.REVIEWER:
        return query.where(or_(Certificate.province_code == user.jurisdiction, linked))
    if user.role == Role.MANUFACTURER:
        return query.where(linked)
    return query.where(false())


def get_certificate_or_404(certificate_id: int, user) -> Certificate:  # type: ignore[no-untyped-def]
    certificate = db.session.scalar(
        certificates_visible_to(user).where(Certificate.id == certificate_id))
    if certificate is None:
        abort(404)
    return certificate


def search_registry(q: str) -> list[Certificate]:
    """Issued certificates by number, device name or holder name. Certificates exist only once
    approved, so drafts and applications can never appear here."""
    query = select(Certificate).order_by(Certificate.number).limit(REGISTRY_PAGE_SIZE)
    q = q.strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Certificate.number.ilike(pattern, escape="\\"),
                                Certificate.device_name.ilike(pattern, escape="\\"),
                                Certificate.holder_name.ilike(pattern, escape="\\")))
    return list(db.session.scalars(query))


def get_by_number_or_404(number: str) -> Certificate:
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        abort(404)
    return certificate
