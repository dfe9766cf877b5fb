"""No write after a signature (issue 8 item 2) and the upload quota (item 10): the database keeps
one current file per chapter and unique version numbers, uploads and removals are refused once
submitted, and an application's dossier has a size quota and a version limit per chapter."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.models import DossierFile
from tests.registrations.helpers import (
    PDF,
    K,
    S,
    application_in,
    client_for,
    files_on_disk,
    holder_of,
    post,
    text_of,
)


def _upload(application, chapter="1", data=PDF):  # type: ignore[no-untyped-def]
    return svc.add_dossier_file(application, chapter, filename="x.pdf",
                                stream=io.BytesIO(data), actor=holder_of(application))


def test_database_refuses_a_second_current_file_in_one_chapter(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, name="两个当前文件")
    current = application.current_files()["1"]
    db.session.add(DossierFile(
        application_id=application.id, chapter="1", version=current.version + 1,
        original_name="b.pdf", stored_name="f" * 32, size=1, content_type="application/pdf",
        sha256="0" * 64, is_current=True, uploaded_by_id=current.uploaded_by_id,
        uploaded_at=current.uploaded_at))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_repeated_version_number(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, name="重复版本号")
    current = application.current_files()["1"]
    db.session.add(DossierFile(
        application_id=application.id, chapter="1", version=current.version,
        original_name="b.pdf", stored_name="e" * 32, size=1, content_type="application/pdf",
        sha256="0" * 64, is_current=False, uploaded_by_id=current.uploaded_by_id,
        uploaded_at=current.uploaded_at))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_upload_on_a_stale_object_after_submission_is_refused(app, demo):
    """The object was loaded while the draft was open (as a racing request's is); the lock
    reads the state again, so the upload is refused instead of landing after the signature."""
    application = application_in(demo, K.INITIAL, S.DRAFT, name="过时对象")
    db.session.execute(text("UPDATE applications SET state = 'submitted', "
                            "version = version + 1 WHERE id = :id"), {"id": application.id})
    db.session.commit()  # the session's copy still says "draft" until it is read again
    with force_locale("en"), pytest.raises(DomainError) as refused:
        _upload(application, data=PDF + b"% late\n")
    assert "submitted and signed" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DossierFile).where(
        DossierFile.application_id == application.id, DossierFile.chapter == "1")) == 1


def test_remove_file_in_draft_makes_the_chapter_missing_and_keeps_the_row(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, name="移除文件")
    record = application.current_files()["2"]
    client = client_for(app, "holder")
    page = f"/applications/{application.id}"
    response = post(client, f"{page}/files/{record.id}/remove", {}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert "2" not in application.current_files()
    assert db.session.get(DossierFile, record.id) is not None  # kept, with its hash
    assert [c.code for c in application.missing_chapters()] == ["2"]


def test_remove_file_after_submission_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="提交后移除")
    record = application.current_files()["2"]
    with force_locale("en"), pytest.raises(DomainError):
        svc.remove_dossier_file(application, record.id, actor=holder_of(application))
    db.session.rollback()
    client = client_for(app, "holder")
    page = f"/applications/{application.id}"
    response = post(client, f"{page}/files/{record.id}/remove", {}, token_from=page)
    assert response.status_code == 403  # no such action offered in this state
    assert db.session.get(DossierFile, record.id).is_current


def test_upload_over_the_quota_is_refused_with_a_clear_message(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, name="配额")
    used = sum(f.size for f in application.files)
    app.config["DOSSIER_QUOTA_BYTES"] = used + len(PDF) + 10
    try:
        before = len(files_on_disk(app))
        _upload(application, data=PDF + b"% fits\n")  # 8 bytes more: still within
        db.session.commit()
        with force_locale("en"), pytest.raises(DomainError) as refused:
            _upload(application, data=PDF + b"% does not fit any more\n")
        assert "upload quota" in refused.value.message
        db.session.rollback()
        assert len(files_on_disk(app)) == before + 1  # the refused bytes were removed
        client = client_for(app, "holder", lang="zh_CN")
        page = f"/applications/{application.id}"
        response = post(client, f"{page}/files", {
            "chapter": "1", "file": (io.BytesIO(PDF + b"% again\n"), "c.pdf")},
            token_from=page)
        assert response.status_code == 422
        assert "上传配额" in text_of(response)
    finally:
        app.config["DOSSIER_QUOTA_BYTES"] = 2 * 1024 * 1024 * 1024


def test_upload_beyond_the_versions_per_chapter_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, name="版本上限")
    app.config["DOSSIER_MAX_VERSIONS"] = 2
    try:
        _upload(application, data=PDF + b"% v2\n")
        db.session.commit()
        with force_locale("en"), pytest.raises(DomainError) as refused:
            _upload(application, data=PDF + b"% v3\n")
        assert "already has 2 versions" in refused.value.message
        db.session.rollback()
        _upload(application, chapter="2", data=PDF + b"% other chapter\n")  # per chapter
    finally:
        app.config["DOSSIER_MAX_VERSIONS"] = 50


def test_quota_defaults(app):
    from devreg.config import Defaults

    assert Defaults.DOSSIER_QUOTA_BYTES == 2 * 1024 ** 3
    assert Defaults.DOSSIER_MAX_VERSIONS == 50
