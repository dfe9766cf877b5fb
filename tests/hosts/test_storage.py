"""Files in a store every host shares (issue 15 item 1; issue 8 item 10).

Why: a dossier uploaded through one host gave 404 on another, and each host's backup missed
the other's files; a worker killed mid-upload left a file that nothing ever removed."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations import files
from devreg.registrations import services as svc
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import DossierFile
from devreg.storage import LocalStorage, S3Storage, storage
from tests.conftest import login, post
from tests.hosts.conftest import S3_KEYS, make_bucket
from tests.registrations.helpers import PDF, files_on_disk, make_device


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(bucket=make_bucket(endpoint), endpoint_url=endpoint, region="us-east-1",
                     access_key=S3_KEYS["S3_ACCESS_KEY_ID"],
                     secret_key=S3_KEYS["S3_SECRET_ACCESS_KEY"])


def test_each_backend_keeps_streams_lists_and_deletes(store):
    payload = os.urandom(200_000)  # larger than one chunk
    assert not store.exists("dossier/ab/abc")
    store.put("dossier/ab/abc", io.BytesIO(payload))
    assert store.exists("dossier/ab/abc")
    assert store.size("dossier/ab/abc") == len(payload)
    with store.open("dossier/ab/abc") as stream:
        first = stream.read(1000)
        assert first == payload[:1000]  # read in pieces, not as a whole
        assert first + stream.read() == payload
    listed = list(store.list("dossier/"))
    assert [item.key for item in listed] == ["dossier/ab/abc"]
    assert listed[0].size == len(payload)
    assert abs(listed[0].modified - datetime.now(UTC)) < timedelta(minutes=5)
    store.delete("dossier/ab/abc")
    store.delete("dossier/ab/abc")  # already gone: no error
    assert not store.exists("dossier/ab/abc")
    with pytest.raises(FileNotFoundError):
        store.open("dossier/ab/abc")
    store.check()


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "dossier//x", "dossier/./x", ""])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ValueError, match="unsafe"):
        store.put(key, io.BytesIO(b"x"))


def _draft(demo):  # type: ignore[no-untyped-def]
    holder = demo.user("holder")
    application = svc.create_application(ApplicationKind.INITIAL, make_device(demo),
                                         actor=holder, today=china_today(),
                                         production_address="x")
    db.session.commit()
    return application


def test_upload_through_the_web_lands_in_s3_and_downloads_from_it(s3_app, demo, tmp_path):
    application = _draft(demo)
    client = s3_app.test_client()
    login(client, "holder")
    path = f"/applications/{application.id}"
    response = post(client, path + "/files", {"chapter": "1", "file": (io.BytesIO(PDF), "a.pdf")},
                    token_from=path, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with s3_app.app_context():
        record = db.session.scalars(select(DossierFile)).one()
        assert storage().name == "s3"
        assert storage().exists(files.key_of(record.stored_name))
    # nothing on this host's disk: another host reads the same object
    assert files_on_disk(s3_app) == []
    with client.get(f"{path}/files/{record.id}") as download:
        assert download.status_code == 200
        assert download.data == PDF
        assert download.headers["Content-Length"] == str(len(PDF))
        assert download.headers["Content-Disposition"].startswith("inline")  # a PDF previews


def test_rolled_back_upload_leaves_nothing_in_s3(s3_app, demo):
    application = _draft(demo)
    with s3_app.app_context():
        application = db.session.merge(application)
        holder = db.session.merge(demo.user("holder"))
        record = svc.add_dossier_file(application, "1", filename="a.pdf",
                                      stream=io.BytesIO(PDF), actor=holder)
        key = files.key_of(record.stored_name)
        assert storage().exists(key)  # stored before commit
        db.session.rollback()
        assert not storage().exists(key)
        assert list(storage().list()) == []


def test_refused_upload_is_never_stored(s3_app, demo):
    application = _draft(demo)
    with s3_app.app_context():
        application = db.session.merge(application)
        holder = db.session.merge(demo.user("holder"))
        with pytest.raises(Exception, match="not accepted"):
            svc.add_dossier_file(application, "1", filename="a.exe",
                                 stream=io.BytesIO(b"MZ\x90\x00" * 100), actor=holder)
        assert list(storage().list()) == []
        db.session.rollback()


def test_sweep_removes_day_old_orphans_in_s3_and_keeps_recorded_and_young_files(s3_app, demo):
    application = _draft(demo)
    with s3_app.app_context():
        application = db.session.merge(application)
        holder = db.session.merge(demo.user("holder"))
        kept = svc.add_dossier_file(application, "1", filename="a.pdf",
                                    stream=io.BytesIO(PDF), actor=holder)
        db.session.commit()
        storage().put("dossier/ff/ff-orphan", io.BytesIO(PDF))  # as a killed upload leaves it
        later = datetime.now(UTC) + timedelta(hours=25)
        assert files.sweep_orphans(older_than=timedelta(hours=24)) == 0  # too young yet
        assert files.sweep_orphans(older_than=timedelta(hours=24), now=later) == 1
        assert [item.key for item in storage().list()] == [files.key_of(kept.stored_name)]


def test_backup_and_restore_carry_the_object_store_files(s3_app, s3_config, demo, tmp_path):
    from tests.resilience.test_backup_restore import _second_instance

    application = _draft(demo)
    with s3_app.app_context():
        application = db.session.merge(application)
        holder = db.session.merge(demo.user("holder"))
        record = svc.add_dossier_file(application, "1", filename="a.pdf",
                                      stream=io.BytesIO(PDF), actor=holder)
        db.session.commit()
        stored_name = record.stored_name
        backup = tmp_path / "backup.tar.gz"
        result = s3_app.test_cli_runner().invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output

    other, drop = _second_instance(s3_app, tmp_path)
    # the restored instance has its own, empty bucket
    other.config.update(s3_config, S3_BUCKET=make_bucket(s3_config["S3_ENDPOINT_URL"]))
    from devreg.storage import init_storage

    init_storage(other)
    try:
        with other.app_context():
            runner = other.test_cli_runner()
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            result = runner.invoke(args=["restore", str(backup)])
            assert result.exit_code == 0, result.output
            assert db.session.scalar(select(func.count(DossierFile.id))) == 1
            with storage().open(files.key_of(stored_name)) as stream:
                assert stream.read() == PDF
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


def test_local_sweep_removes_a_day_old_file_without_a_row(app, demo):
    store = storage()
    assert isinstance(store, LocalStorage)
    store.put("dossier/ee/ee-orphan", io.BytesIO(PDF))
    young = store.path("dossier/ee/ee-young")
    store.put("dossier/ee/ee-young", io.BytesIO(PDF))
    old = time.time() - 25 * 3600
    os.utime(store.path("dossier/ee/ee-orphan"), (old, old))
    assert files.sweep_orphans(older_than=timedelta(hours=24)) == 1
    assert not store.exists("dossier/ee/ee-orphan")
    assert young.is_file()


def test_a_released_savepoint_does_not_keep_the_files_of_a_transaction_that_rolls_back(app,
                                                                                       demo):
    application = _draft(demo)
    svc.add_dossier_file(application, "1", filename="a.pdf", stream=io.BytesIO(PDF),
                         actor=demo.user("holder"))
    with db.session.begin_nested():  # e.g. a counter created on first use of the year
        pass
    assert len(files_on_disk(app)) == 1
    db.session.rollback()
    assert files_on_disk(app) == []
