"""Filing the yearly self-inspection report. Services flush; the caller commits."""

from __future__ import annotations

from datetime import date
from typing import IO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devreg import events
from devreg.auth.models import User
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.permissions import authorize
from devreg.registrations import files
from devreg.reports.models import SelfInspectionReport
from devreg.signatures.services import sign

#: what the filer declares by signing (Order 53 Art 45: the yearly self-inspection report)
DECLARATION = "自查报告内容真实、准确、完整"


def file_self_inspection(*, actor: User, year: int, filename: str | None,
                         stream: IO[bytes] | None, declaration: bool, password: str,
                         today: date) -> SelfInspectionReport:
    """Order 53 Art 45: the report on ``year``, with its file and the signed declaration."""
    authorize(actor, "reports.file_self_inspection")
    if year >= today.year:
        raise DomainError(_("A self-inspection report covers a past year."))
    if not declaration:
        raise DomainError(_("Confirm the declaration."))
    if stream is None:
        raise DomainError(_("Upload the self-inspection report."))
    existing = db.session.scalar(select(SelfInspectionReport.id).where(
        SelfInspectionReport.organisation_id == actor.organisation_id,
        SelfInspectionReport.year == year))
    if existing is not None:
        raise DomainError(_("The report for %(year)d is already filed.", year=year))
    max_bytes = current_app.config["DOSSIER_MAX_BYTES"]
    stored = files.store_upload(db.session, stream, max_bytes=max_bytes)
    if stored.size > max_bytes or stored.size == 0 or stored.content_type is None:
        files.discard(db.session, stored.stored_name)
        raise DomainError(_("The report must be a PDF, PNG, JPEG, DOCX or XLSX file of at most "
                            "%(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    report = SelfInspectionReport(
        organisation_id=actor.organisation_id, year=year, filed_on=today,
        original_name=files.clean_filename(filename), stored_name=stored.stored_name,
        size=stored.size, content_type=stored.content_type, sha256=stored.sha256,
        filed_by_id=actor.id, filed_at=utcnow())
    taken = _("The report for %(year)d is already filed.", year=year)  # before a failed flush
    db.session.add(report)
    try:
        # no savepoint: on SQLite a savepoint opened before any write commits on release;
        # after an IntegrityError the caller rolls the whole request back
        db.session.flush()
    except IntegrityError as error:
        raise DomainError(taken) from error
    sign(report, signer=actor, password=password, meaning="declared",
         content={"organisation": actor.organisation_id, "year": year,
                  "sha256": stored.sha256,
                  "declaration": DECLARATION})
    events.self_inspection_filed.send(report, actor=actor)
    return report
