"""30 parallel acceptances on SQLite with 4 gunicorn workers, production argon2 profile.

    .venv/bin/python bench/sqlite_acceptances.py [--parallel 30] [--workers 4] [--root PATH]

Builds a fresh SQLite instance in a temporary folder (demo organisations, 6 reviewer accounts
with accept duty whose passwords use the production argon2 profile, N submitted
applications), serves it with deploy/gunicorn.conf.py, signs the reviewers in, then fires the N
acceptances (each with the signature password) at the same moment. Prints the status codes,
"database is locked" errors in the server log, and the time taken. --root runs another
checkout's code (e.g. before a change) with the same data and requests."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"')
SECRET = "bench-secret-key-with-more-than-32-random-bytes-Zq9"  # noqa: S105 - a throwaway instance
AUDIT_KEY = "bench-audit-key-with-more-than-32-random-bytes-Kp4"
PASSWORD = "devreg-demo"  # noqa: S105 - the demo password


def build(database: Path, uploads: Path, count: int) -> tuple[list[int], list[str]]:
    from flask_migrate import upgrade

    from devreg import create_app
    from devreg.audit.services import acting_as
    from devreg.auth.passwords import hash_password
    from devreg.auth.roles import Role
    from devreg.auth.services import UserData, create_user, find_user_by_email
    from devreg.clock import china_today
    from devreg.demo.loader import load_demo
    from devreg.extensions import db
    from tests.conftest import Demo
    from tests.registrations.helpers import submitted_application

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "AUDIT_KEY": AUDIT_KEY,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "UPLOAD_FOLDER": str(uploads), "PASSWORD_HASH_LIGHT": True})
    with app.app_context():
        upgrade()
        with acting_as(None, "bench"):
            load_demo(scenarios=False)
            demo = Demo()
            ids = [submitted_application(demo, today=china_today()).id for _ in range(count)]
            reviewer = find_user_by_email("reviewer@demo.devreg")
            emails = ["reviewer@demo.devreg"]
            for n in range(5):
                email = f"acceptor{n}@demo.devreg"
                create_user(UserData(email=email, display_name=f"Acceptor {n}",
                                     role=Role.REVIEWER,
                                     organisation_id=reviewer.organisation_id,
                                     has_accept_duty=True), password=PASSWORD,
                            temporary=False)
                emails.append(email)
            app.config["PASSWORD_HASH_LIGHT"] = False  # the production profile from here on
            for email in emails:
                find_user_by_email(email).password_hash = hash_password(PASSWORD)
        db.session.commit()
        db.engine.dispose()
    return ids, emails


def serve(root: Path, database: Path, uploads: Path, workers: int, log: Path):  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DEVREG_ENV": "production", "SECRET_KEY": SECRET, "AUDIT_KEY": AUDIT_KEY,
           "PUBLIC_URL": "http://127.0.0.1", "RATELIMIT_ALLOW_MEMORY": "1",
           "DATABASE_URL": f"sqlite:///{database}", "UPLOAD_FOLDER": str(uploads),
           "DEVREG_SIGNATURE_RATE_LIMIT_PER_ACCOUNT": "1000 per minute",
           "DEVREG_SIGNATURE_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
           "DEVREG_LOGIN_RATE_LIMIT_PER_ADDRESS": "1000 per minute"}
    config = ["--config", str(root / "deploy/gunicorn.conf.py")] \
        if (root / "deploy/gunicorn.conf.py").is_file() else []
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", *config, "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "120", "wsgi:app"],
        cwd=root, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/healthz", timeout=2)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start: see " + str(log))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parallel", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="devreg-bench-"))
    database, uploads, log = scratch / "bench.sqlite3", scratch / "uploads", scratch / "server.log"
    ids, emails = build(database, uploads, args.parallel)
    process, url = serve(args.root.resolve(), database, uploads, args.workers, log)
    try:
        browsers = []
        for n, application_id in enumerate(ids):
            browser = requests.Session()
            token = TOKEN_RE.search(browser.get(url + "/login", timeout=60).text).group(1)
            browser.post(url + "/login", timeout=60, data={
                "csrf_token": token, "email": emails[n % len(emails)], "password": PASSWORD})
            shown = browser.get(f"{url}/applications/{application_id}", timeout=60)
            if shown.status_code != 200:
                raise SystemExit(f"{emails[n % len(emails)]}: application page "
                                 f"{shown.status_code}: {shown.url}")
            page = shown.text
            form = page[page.index("/accept\""):] if "/accept\"" in page else page
            browsers.append((browser, application_id, TOKEN_RE.search(form).group(1),
                             VERSION_RE.search(form).group(1)))
        barrier = threading.Barrier(len(browsers))
        codes: list[int] = []

        def accept(browser, application_id, token, version) -> None:  # type: ignore[no-untyped-def]
            barrier.wait()
            answer = browser.post(f"{url}/review/applications/{application_id}/accept", timeout=300,
                                  allow_redirects=False, data={
                                      "csrf_token": token, "version": version,
                                      "signature_password": PASSWORD})
            codes.append(answer.status_code)

        threads = [threading.Thread(target=accept, args=item) for item in browsers]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    locked = log.read_text(errors="replace").count("database is locked")
    import sqlite3

    with sqlite3.connect(database) as check:
        accepted = check.execute("SELECT count(*) FROM applications WHERE acceptance_number "
                                 "IS NOT NULL").fetchone()[0]
    counts = Counter(codes)
    print(f"{args.parallel} parallel acceptances, {args.workers} workers, SQLite, argon2 "
          f"production profile: {dict(sorted(counts.items()))} (302 = accepted); "
          f"errors: {sum(v for k, v in counts.items() if k >= 500)}; 'database is locked' in "
          f"the log: {locked}; accepted in the database: {accepted}; {elapsed:.1f} s "
          f"({args.parallel / elapsed:.1f} acceptances/s)")


if __name__ == "__main__":
    main()
