"""No write after a signature (issue 8 item 2), under a real race: eight uploads and one submit
fired at the same moment at one draft, each on its own connection and thread, fifty rounds.

The Why bullet: uploads were committed after the holder's signature in every round, leaving 2-4
"current" files in one chapter with duplicate version numbers, so the signed hashes no longer
matched what the reviewer was shown. Now upload, removal and submit serialise on the
application (a row lock on PostgreSQL, the version bump on both engines): every round, the
hashes the signature covers are exactly the current files, and no chapter has two."""

from __future__ import annotations

import io
import threading

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as filing
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, DossierFile
from devreg.signatures.records import VALID, check
from tests.concurrency.test_certificate_serials import (
    FILED_ON,
    PASSWORD,
    PDF,
    _user,
    accounts,  # noqa: F401 - fixture
    parallel_app,
)
from tests.foundation.helpers import dispose

ROUNDS = 50
UPLOADS = 8


def _drafts(count: int) -> list[int]:
    """``count`` complete initial drafts of the Hebei holder, through the real services."""
    holder = _user("holder@demo.devreg")
    ids = []
    with acting_as(holder.id, holder.email):
        for i in range(count):
            device = filing.create_device(filing.DeviceData(
                name=f"竞态血压计 {i:02d}", model_spec="BP-1", structure="主机、袖带",
                intended_use="测量血压", device_class="2", category_code="07",
                is_ivd_reagent=False), holder_org_id=holder.organisation_id)
            application = filing.create_application(
                ApplicationKind.INITIAL, device, actor=holder, today=FILED_ON,
                production_address="河北省石家庄市高新区天山大街 266 号")
            for chapter in application.checklist:
                if chapter.required:
                    filing.add_dossier_file(application, chapter.code, filename="c.pdf",
                                            stream=io.BytesIO(PDF), actor=holder)
            ids.append(application.id)
    db.session.commit()
    return ids


def test_uploads_racing_a_submit_never_land_after_the_signature(app, accounts):  # noqa: F811
    ids = _drafts(ROUNDS)
    holder_id = _user("holder@demo.devreg").id
    chapters = [c.code for c in db.session.get(Application, ids[0]).checklist if c.required]
    other = parallel_app(app)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def record(outcome: str) -> None:
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def work(application_id: int, barrier: threading.Barrier, job: int) -> None:
        with other.app_context():
            application = db.session.get(Application, application_id)
            user = db.session.get(User, holder_id)
            assert application.files and user is not None  # loaded before the start signal
            barrier.wait()
            try:
                with acting_as(user.id, user.email):
                    if job < 0:
                        filing.submit_application(application, actor=user, password=PASSWORD,
                                                  declaration=True, today=FILED_ON)
                    else:
                        filing.add_dossier_file(
                            application, chapters[job % len(chapters)], filename="r.pdf",
                            stream=io.BytesIO(PDF + f"% {application_id} {job}\n".encode()),
                            actor=user)
                    db.session.commit()
                record("submitted" if job < 0 else "uploaded")
            except (StaleDataError, DomainError) as error:
                db.session.rollback()
                record(type(error).__name__)
            finally:
                db.session.remove()

    submitted = 0
    for application_id in ids:
        barrier = threading.Barrier(UPLOADS + 1, timeout=120)
        threads = [threading.Thread(target=work, args=(application_id, barrier, job))
                   for job in (-1, *range(UPLOADS))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        assert not any(t.is_alive() for t in threads)
        db.session.expire_all()

        doubled = db.session.execute(
            select(DossierFile.chapter, func.count()).where(
                DossierFile.application_id == application_id, DossierFile.is_current)
            .group_by(DossierFile.chapter).having(func.count() > 1)).all()
        assert doubled == [], f"application {application_id}: two current files {doubled}"
        versions = db.session.execute(
            select(DossierFile.chapter, DossierFile.version, func.count()).where(
                DossierFile.application_id == application_id)
            .group_by(DossierFile.chapter, DossierFile.version).having(func.count() > 1)).all()
        assert versions == []
        application = db.session.get(Application, application_id)
        if application.state == "submitted":
            submitted += 1
            frozen = application.submitted_content
            current = {c: f.sha256 for c, f in application.current_files().items()}
            assert frozen.file_hashes == current, f"application {application_id}"
            assert check(frozen.signature).status == VALID
    dispose(other)
    # the race really happened: uploads were both saved and refused, and submits went through
    assert submitted > 0, outcomes
    assert outcomes.get("uploaded", 0) > 0, outcomes
