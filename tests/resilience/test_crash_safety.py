"""An upload or a decision interrupted mid-way leaves neither a record without its file nor a
file without its record."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from devreg.certificates.models import Certificate, NumberCounter
from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import DossierFile
from devreg.review import services as review
from tests.registrations.helpers import PDF, make_device, submitted_application


def _files_on_disk(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]


def test_upload_interrupted_after_the_file_is_written_leaves_no_file(app, demo):
    holder = demo.user("holder")
    device = make_device(demo)
    application = svc.create_application(ApplicationKind.INITIAL, device, actor=holder,
                                         today=china_today(), production_address="x")
    db.session.commit()
    svc.add_dossier_file(application, "1", filename="a.pdf", stream=io.BytesIO(PDF),
                         actor=holder)
    assert len(_files_on_disk(app)) == 1  # written, not yet committed
    db.session.rollback()  # the process fails before commit
    assert _files_on_disk(app) == []
    assert db.session.scalar(select(func.count(DossierFile.id))) == 0


def test_upload_failing_in_the_request_leaves_neither_file_nor_row(app, demo, monkeypatch):
    from tests.conftest import login, post

    holder = demo.user("holder")
    device = make_device(demo)
    application = svc.create_application(ApplicationKind.INITIAL, device, actor=holder,
                                         today=china_today(), production_address="x")
    db.session.commit()

    def crash(*args, **kwargs):
        raise RuntimeError("disk controller on fire")

    # the failure strikes after the file is on disk, while the row is being flushed
    monkeypatch.setattr("devreg.registrations.services.DossierFile.__init__", crash)
    client = app.test_client()
    login(client, "holder")
    path = f"/applications/{application.id}"
    response = post(client, path + "/files", {"chapter": "1", "file": (io.BytesIO(PDF), "a.pdf")},
                    token_from=path, content_type="multipart/form-data")
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert _files_on_disk(app) == []
    assert db.session.scalar(select(func.count(DossierFile.id))) == 0


def test_committed_upload_has_both_row_and_file(app, demo):
    application = submitted_application(demo, today=china_today())
    on_disk = {p.name for p in _files_on_disk(app)}
    assert {f.stored_name for f in application.files} == on_disk


def test_approval_interrupted_before_commit_issues_nothing_and_keeps_the_serial(app, demo,
                                                                                 monkeypatch):
    today = china_today()
    application = submitted_application(demo, today=today)
    reviewer, approver = demo.user("reviewer"), demo.user("approver")
    review.accept(application, actor=reviewer, password="devreg-demo", today=today)
    review.assign_reviewer(application, actor=reviewer, reviewer=reviewer, today=today)
    review.record_qms(application, actor=reviewer, result="pass", notes="", today=today)
    review.give_opinion(application, actor=reviewer, password="devreg-demo",
                        recommendation="approve", text="ok", today=today)
    db.session.commit()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("devreg.arrangements.services.sync_with_certificate", crash)
    with pytest.raises(RuntimeError):
        review.decide(application, actor=approver, password="devreg-demo", approve=True,
                      reasons="", today=today)
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == "review_done"
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    counter = db.session.scalar(select(NumberCounter).where(NumberCounter.kind == "certificate"))
    assert counter is None or counter.last_value == 0

    monkeypatch.undo()
    certificate = review.decide(application, actor=approver, password="devreg-demo",
                                approve=True, reasons="", today=today)
    db.session.commit()
    assert certificate.serial == 1
