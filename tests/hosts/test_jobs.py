"""Issue 15 item 4: jobs run on RQ workers with Redis, inline without; each job once.

(The outbox of issue 13 will enqueue its sends through devreg.jobs.enqueue; its "sent exactly
once by two workers" test then joins test_two_workers_run_each_job_exactly_once.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devreg.jobs import enqueue, redis_connection
from tests.foundation.helpers import dispose, make_app
from tests.hosts.conftest import ROOT, unique_prefix
from tests.hosts.sample_jobs import record_run


def test_without_redis_a_job_runs_inline(app, tmp_path):
    target = tmp_path / "runs.txt"
    assert redis_connection() is None
    assert enqueue(record_run, str(target), "inline") is None
    assert target.read_text() == "inline\n"


def test_a_job_must_be_a_module_level_function(app):
    with pytest.raises(ValueError, match="module-level"):
        enqueue(lambda: None)


def test_the_worker_command_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


def _worker(app, queue: str, redis: str) -> subprocess.Popen:  # type: ignore[type-arg]
    env = {**os.environ, "DEVREG_ENV": "development", "REDIS_URL": redis,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "DEVREG_JOBS_QUEUE": queue}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "devreg", "worker", "--burst"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_workers_run_each_job_exactly_once(app, tmp_path, redis_available):
    queue = unique_prefix()
    queued = make_app(app, REDIS_URL=redis_available, JOBS_QUEUE=queue)
    target = tmp_path / "runs.txt"
    try:
        with queued.app_context():
            ids = [enqueue(record_run, str(target), f"job-{n}") for n in range(20)]
            assert all(ids)
            assert not target.exists()  # queued, not run
        workers = [_worker(app, queue, redis_available) for _ in range(2)]
        outputs = [worker.communicate(timeout=180)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs
        runs = target.read_text().split()
        assert sorted(runs) == sorted(f"job-{n}" for n in range(20))  # each once, none lost
    finally:
        with queued.app_context():
            redis_connection().delete(f"rq:queue:{queue}")
        dispose(queued)
