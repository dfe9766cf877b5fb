"""Records for the API tests, built through the real services."""

from __future__ import annotations

from datetime import date, timedelta

from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.review.sweep import run_sweep
from tests.registrations.helpers import K, certificate_for, new_draft, perform, right_actor

APPROVED = date(2021, 6, 1)  # valid until 2026-05-31
APPLIED = date(2025, 11, 3)
OLD_LAST_DAY = date(2026, 5, 31)
RENEWED = date(2026, 8, 10)  # the renewal approved after expiry: a gap 2026-06-01..08-09


def steps(application, events, today):  # type: ignore[no-untyped-def]
    for event in events:
        perform(event, application, right_actor(event, application), today=today)
        db.session.commit()


def renewed_late(demo, **device_kwargs) -> Certificate:  # type: ignore[no-untyped-def]
    """A renewal applied for in time whose supplement was still owed at expiry: the certificate
    expired, then the renewal was approved (Order 47 Art 84: the new period starts on the
    approval date, leaving a gap)."""
    certificate = certificate_for(demo, approved_on=APPROVED, **device_kwargs)
    application = new_draft(demo, K.RENEWAL, today=APPLIED, certificate=certificate)
    steps(application, ("submit", "accept", "assign", "request_supplement"), APPLIED)
    run_sweep(OLD_LAST_DAY + timedelta(days=1))
    db.session.commit()
    steps(application, ("answer_supplement",), date(2026, 7, 1))
    steps(application, ("qms", "give_opinion", "approve"), RENEWED)
    db.session.refresh(certificate)
    return certificate
