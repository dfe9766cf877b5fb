"""Issue 15 item 7: two app hosts (gunicorn on two ports) sharing one PostgreSQL database,
Redis and the S3 emulator behave as one system.

Runs in CI's PostgreSQL run; on a SQLite-only run it is skipped (SQLite is one host's file)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, DossierFile
from devreg.registrations.states import ApplicationState
from tests.hosts.conftest import ROOT, Instance, make_bucket, production_env, unique_prefix
from tests.hosts.test_gunicorn_limits import TOKEN_RE, _early_in_a_minute, wrong_sign_ins
from tests.registrations.helpers import PDF, make_device, submitted_application

pytestmark = pytest.mark.multihost


@pytest.fixture
def hosts(app, demo, redis_available, s3_endpoint, tmp_path):  # type: ignore[no-untyped-def]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("multi-host test needs PostgreSQL (run with DATABASE_URL=postgresql://...): "
                    "several hosts share one database server, which SQLite is not")
    shared = production_env(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_available,
        DEVREG_RATELIMIT_KEY_PREFIX=unique_prefix(), DEVREG_JOBS_QUEUE=unique_prefix(),
        STORAGE="s3", S3_ENDPOINT_URL=s3_endpoint, S3_BUCKET=make_bucket(s3_endpoint),
        S3_ACCESS_KEY_ID="testing", S3_SECRET_ACCESS_KEY="testing", S3_REGION="us-east-1")
    started = []
    try:
        for name in ("a", "b"):
            # each host has its own instance folder and no shared disk
            started.append(Instance({**shared, "UPLOAD_FOLDER": str(tmp_path / name)},
                                    log=tmp_path / f"{name}.log"))
        yield shared, started[0], started[1]
    finally:
        for instance in started:
            instance.stop()


def _token(browser: requests.Session, url: str) -> str:
    found = TOKEN_RE.search(browser.get(url, timeout=30).text)
    assert found is not None, url
    return found.group(1)


def _sign_in(browser: requests.Session, base: str, email: str) -> None:
    answer = browser.post(base + "/login", timeout=30, allow_redirects=False, data={
        "csrf_token": _token(browser, base + "/login"), "email": email,
        "password": "devreg-demo"})
    assert answer.status_code == 302, answer.text[:500]


def test_two_hosts_act_as_one(hosts, app, demo):
    _shared, a, b = hosts
    _early_in_a_minute()
    holder = demo.user("holder")
    application = svc.create_application(ApplicationKind.INITIAL, make_device(demo),
                                         actor=holder, today=china_today(),
                                         production_address="x")
    db.session.commit()
    page = f"/applications/{application.id}"

    # a file uploaded on A downloads on B
    browser = requests.Session()
    _sign_in(browser, a.url, "holder@demo.devreg")
    answer = browser.post(a.url + page + "/files", timeout=30, allow_redirects=False,
                          data={"csrf_token": _token(browser, a.url + page), "chapter": "1"},
                          files={"file": ("a.pdf", PDF, "application/pdf")})
    assert answer.status_code == 302, answer.text[:500]
    record = db.session.scalars(select(DossierFile)).one()
    download = browser.get(f"{b.url}{page}/files/{record.id}", timeout=30)
    assert download.status_code == 200 and download.content == PDF

    # logging out on A ends the session on B
    other_tab = requests.Session()
    other_tab.cookies.update(browser.cookies)
    assert other_tab.get(b.url + "/home", timeout=30, allow_redirects=False).status_code == 200
    browser.post(a.url + "/logout", timeout=30,
                 data={"csrf_token": _token(browser, a.url + "/home")})
    gone = other_tab.get(b.url + "/home", timeout=30, allow_redirects=False)
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]

    # the sign-in limit (30 a minute per address) holds across both hosts
    answers = []
    for n in range(20):
        answers += wrong_sign_ins(a.url if n % 2 else b.url, 2, email=f"x{n}@example.com")
    assert answers.count(200) == 30 - 1  # one sign-in above already counted
    assert answers.count(429) == 40 - 29


def test_two_concurrent_sweeps_do_the_work_once(hosts, app, demo):
    shared, _a, _b = hosts
    submitted = submitted_application(demo, today=china_today())
    db.session.commit()
    later = (china_today() + timedelta(days=60)).isoformat()
    env = {**os.environ, **shared}
    sweeps = [subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "devreg", "sweep", "--today", later],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)]
    outputs = [sweep.communicate(timeout=180)[0] for sweep in sweeps]
    assert [sweep.returncode for sweep in sweeps] == [0, 0], outputs
    assert "Traceback" not in "".join(outputs)
    done = [int(m) for out in outputs for m in re.findall(r"deemed accepted: (\d+)", out)]
    assert sum(done) == 1, outputs  # the work once: by one, or the other found it done
    assert all("deemed accepted" in out or "another sweep is running" in out
               for out in outputs), outputs
    db.session.expire_all()
    assert db.session.get(Application, submitted.id).state == ApplicationState.ACCEPTED.value


def test_two_workers_on_two_hosts_run_a_job_once(hosts, app, tmp_path):
    from devreg.jobs import enqueue, redis_connection
    from tests.foundation.helpers import dispose, make_app
    from tests.hosts.sample_jobs import record_run

    shared, _a, _b = hosts
    queued = make_app(app, REDIS_URL=shared["REDIS_URL"], JOBS_QUEUE=shared["DEVREG_JOBS_QUEUE"])
    target = tmp_path / "runs.txt"
    try:
        with queued.app_context():
            enqueue(record_run, str(target), "once")
        env = {**os.environ, **shared}
        workers = [subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "devreg", "worker", "--burst"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
        outputs = [worker.communicate(timeout=180)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs
        assert target.read_text() == "once\n"
    finally:
        with queued.app_context():
            redis_connection().delete(f"rq:queue:{shared['DEVREG_JOBS_QUEUE']}")
        dispose(queued)


def test_two_outbox_senders_on_two_hosts_send_each_row_exactly_once(hosts, app, demo):
    """Issue 15 item 7: `flask outbox send` run at the same moment on two hosts against the
    shared database delivers every pending row once (rows are claimed with SKIP LOCKED)."""
    from aiosmtpd.controller import Controller

    from devreg.db import utcnow
    from devreg.notifications.models import OutboxMessage
    from tests.hosts.conftest import free_port
    from tests.notifications.conftest import Mailbox

    shared, _a, _b = hosts
    holder = demo.user("holder")
    rows = [OutboxMessage(user_id=holder.id, email=f"host{n}@example.invalid", kind="decision",
                          language="zh_CN", event_key=f"hosts:{n}", subject=f"第{n}封",
                          body="正文", status="pending", attempts=0, next_attempt_at=utcnow())
            for n in range(30)]
    db.session.add_all(rows)
    db.session.commit()
    ids = sorted(r.id for r in rows)
    mailbox = Mailbox()
    mailbox.delay = 0.05  # each sender is still sending while the other claims
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = {**os.environ, **shared, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(controller.port)}
        senders = [subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "devreg", "outbox", "send"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)]
        outputs = [sender.communicate(timeout=180)[0] for sender in senders]
    finally:
        controller.stop()
    assert [sender.returncode for sender in senders] == [0, 0], outputs
    assert "Traceback" not in "".join(outputs)
    received = sorted(int(message["X-Devreg-Outbox-Id"]) for _rcpts, message
                      in mailbox.messages if int(message["X-Devreg-Outbox-Id"]) in ids)
    assert received == ids  # every row arrived, none twice
    sent = [int(n) for out in outputs for n in re.findall(r"sent: (\d+)", out)]
    assert sum(sent) >= len(ids), outputs
    db.session.expire_all()
    assert {db.session.get(OutboxMessage, i).status for i in ids} == {"sent"}
