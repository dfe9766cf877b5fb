"""`flask documents backfill`: the documents of records that predate this feature."""

from __future__ import annotations

import click
from sqlalchemy import select

from devreg.audit.services import acting_as
from devreg.documents import bp
from devreg.documents import services as documents
from devreg.documents.kinds import DocumentKind as Kind
from devreg.extensions import db
from devreg.registrations.models import Application


def due_documents(application: Application) -> list[tuple[Kind, dict]]:  # type: ignore[type-arg]
    """The documents the application's recorded acts call for, in the order they happened."""
    due: list[tuple[Kind, dict]] = []  # type: ignore[type-arg]
    if application.correction_requested_on:
        due.append((Kind.CORRECTION, {"on": application.correction_requested_on}))
    if application.state == "not_accepted" and application.closed_on:
        due.append((Kind.NON_ACCEPTANCE, {"on": application.closed_on}))
    if application.accepted_on:
        due.append((Kind.ACCEPTANCE, {"on": application.accepted_on}))
    if application.supplement_requested_on:
        due.append((Kind.SUPPLEMENT, {"on": application.supplement_requested_on}))
    for extension in application.clock_extensions:
        due.append((Kind.EXTENSION, {"on": extension.granted_on, "extension": extension,
                                   "round": 2 if extension.stage == "supplement_review"
                                   else 1}))
    if application.decided_on and application.state in ("approved", "refused"):
        approved = application.state == "approved"
        due.append((Kind.APPROVAL if approved else Kind.REFUSAL, {"on": application.decided_on}))
        certificate = application.certificate
        if approved and certificate is not None:
            if application.kind in ("initial", "renewal"):
                due.append((Kind.CERTIFICATE, {"on": application.decided_on,
                                             "certificate": certificate}))
            elif application.kind == "change":
                change = next((d for d in certificate.change_documents
                               if d.application_id == application.id), None)
                if change is not None:
                    due.append((Kind.CHANGE_DOCUMENT, {"on": application.decided_on,
                                                     "certificate": certificate,
                                                     "change": change}))
    return due


def backfill() -> tuple[int, int]:
    """Issue every missing document; (generated, already present). One transaction per
    application, so an interruption keeps what was done."""
    generated = present = 0
    ids = list(db.session.scalars(select(Application.id).order_by(Application.id)))
    for application_id in ids:
        application = db.session.get(Application, application_id)
        assert application is not None  # noqa: S101 - just listed
        for kind, options in due_documents(application):
            round_ = options.pop("round", 1)
            if documents.existing(kind, application, round_) is not None:
                present += 1
                continue
            with acting_as(None, "documents backfill"):
                documents.issue(kind, application, round=round_, **options)
            generated += 1
        db.session.commit()
    return generated, present


@bp.cli.command("backfill")
def backfill_command() -> None:
    """Generate the missing official documents of existing records (e.g. the demo's)."""
    try:
        generated, present = backfill()
    except Exception as error:  # one clear line, never a traceback
        db.session.rollback()
        raise click.ClickException(f"documents backfill failed: {error}") from None
    click.echo(f"documents backfill: {generated} generated, {present} already present")
