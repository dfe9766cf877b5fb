"""The clock-pause migration backfills the pauses of existing applications from the dates
kept before: supplement requested → answered (or still open), QMS recorded (one day)."""

from __future__ import annotations

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from devreg.extensions import db
from tests.foundation.helpers import dispose, make_app
from tests.foundation.test_migrations import empty_database
from tests.registrations.helpers import K, S, application_in, load_accounts, perform

BEFORE = "eba17cdc57f5"  # the revision before clock_pauses
MON = date(2026, 3, 2)


def test_pause_migration_backfills_supplements_and_qms_of_existing_applications(app, tmp_path):
    with empty_database(tmp_path) as url:
        fresh = make_app(app, SQLALCHEMY_DATABASE_URI=url)
        try:
            with fresh.app_context():
                upgrade()
                demo = load_accounts()
                waiting = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
                answered = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
                perform("answer_supplement", answered, demo.user("holder"),
                        today=date(2026, 4, 1))
                checked = application_in(demo, K.INITIAL, S.REVIEW_DONE, today=MON)
                db.session.commit()
                ids = (waiting.id, answered.id, checked.id)
                db.session.remove()

                downgrade(revision=BEFORE)
                db.session.remove()
                upgrade()
                rows = db.session.execute(text(
                    "SELECT application_id, reason, started_on, ended_on FROM clock_pauses "
                    "ORDER BY application_id, id")).all()
                as_dates = [(a, r, str(s), str(e) if e else None) for a, r, s, e in rows]
                assert as_dates == [
                    (ids[0], "supplement", "2026-03-02", None),
                    (ids[1], "supplement", "2026-03-02", "2026-04-01"),
                    (ids[2], "qms_verification", "2026-03-02", "2026-03-02"),
                ]
                started = db.session.execute(text(
                    "SELECT qms_started_on FROM applications WHERE id = :id"),
                    {"id": ids[2]}).scalar()
                assert str(started) == "2026-03-02"
                db.session.remove()
        finally:
            dispose(fresh)
