"""Reading certificates: scoped lists for signed-in users, and the public registry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from devreg.arrangements.queries import device_ids_linked_to
from devreg.auth.roles import Role
from devreg.certificates.models import Certificate, CertificateStatus, ValidityPeriod
from devreg.extensions import db


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


def find_by_number(number: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


def valid_on(day: date) -> ColumnElement[bool]:
    """SQL twin of Certificate.is_valid_on: a validity period covers ``day`` (Order 47 Art 84)
    and no cancellation or revocation had taken effect by then."""
    covered = exists().where(ValidityPeriod.certificate_id == Certificate.id,
                             ValidityPeriod.starts_on <= day, ValidityPeriod.ends_on >= day)
    ended = Certificate.status.in_([CertificateStatus.CANCELLED.value,
                                    CertificateStatus.REVOKED.value])
    not_ended = or_(~ended, and_(Certificate.ended_on.is_not(None), Certificate.ended_on > day))
    return and_(covered, not_ended)


def valid_ids_on(certificate_ids: Iterable[int], day: date) -> set[int]:
    """Which of these certificates were valid on ``day``: one query for a whole list."""
    ids = list(certificate_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Certificate.id).where(Certificate.id.in_(ids), valid_on(day))))


def get_by_number_or_404(number: str) -> Certificate:
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        abort(404)
    return certificate
