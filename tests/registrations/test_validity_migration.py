"""The migration that introduced validity periods gives existing certificates their periods from
their change history (one period each; renewed ones one more per renewal, by Order 47 Art 84),
and cancelled or revoked ones the day they ended."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, update

from devreg import ROOT
from devreg.certificates.models import Certificate, ValidityPeriod
from devreg.extensions import db
from tests.registrations.helpers import K, S, application_in, certificate_for, new_draft
from tests.registrations.test_validity_periods import (
    APPLIED,
    APPROVED,
    _renewed_late,
    _steps,
    _sweep,
)

MIGRATION = next((ROOT / "migrations" / "versions").glob("*_certificate_validity_periods.py"))


def _backfill() -> None:
    spec = importlib.util.spec_from_file_location("validity_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    with Operations.context(MigrationContext.configure(db.session.connection())):
        module._backfill()


def _state() -> dict[int, tuple]:
    db.session.expire_all()
    return {c.id: (c.valid_from, c.valid_until, c.ended_on,
                   [(p.kind, p.starts_on, p.ends_on, p.approved_on, p.application_id)
                    for p in c.periods])
            for c in db.session.scalars(db.select(Certificate))}


def test_backfill_rebuilds_periods_and_end_days_from_the_change_history(app, demo):
    certificate_for(demo, approved_on=date(2026, 1, 5), name="体温计")
    on_time = certificate_for(demo, approved_on=APPROVED, name="血氧仪")
    renewal = new_draft(demo, K.RENEWAL, today=APPLIED, certificate=on_time)
    _steps(renewal, ("submit",), APPLIED)
    _steps(renewal, ("accept", "assign", "qms", "give_opinion", "approve"), date(2026, 1, 5))
    deemed = certificate_for(demo, approved_on=APPROVED, name="雾化器")
    pending = new_draft(demo, K.RENEWAL, today=APPLIED, certificate=deemed)
    _steps(pending, ("submit", "accept"), APPLIED)
    late = _renewed_late(demo)  # sweeps on 2026-06-01: the deemed renewal above happens too
    cancelled = certificate_for(demo, approved_on=date(2026, 1, 5), name="输液器")
    application_in(demo, K.CANCELLATION, S.APPROVED, today=date(2026, 3, 2),
                   certificate=cancelled)
    expected = _state()
    assert len(expected[late.id][3]) == 2 and expected[cancelled.id][2] == date(2026, 3, 2)

    # the data as it was before the migration: no periods, no end day, and a late renewal run
    # on from the old expiry (the old rule)
    db.session.execute(delete(ValidityPeriod))
    db.session.execute(update(Certificate).values(ended_on=None))
    db.session.execute(update(Certificate).where(Certificate.id == late.id).values(
        valid_from=date(2026, 6, 1), valid_until=date(2031, 5, 31)))
    db.session.commit()

    _backfill()
    db.session.commit()
    assert _state() == expected
    _sweep(date(2026, 6, 2))  # nothing left for the sweep to do twice
    assert _state() == expected
    assert not db.session.get(Certificate, late.id).is_valid_on(date(2026, 6, 1) +
                                                                  timedelta(days=30))
