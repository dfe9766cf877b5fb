"""The benchmark behind bench/run.sh (see there for the options). Not part of the test suite:
speed is measured here, never asserted in tests; ``--smoke`` asserts statement counts only."""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "devreg-demo"
#: (label, account or None, path); {application} and {number} are filled from the data
PAGES = [
    ("holder home", "holder", "/home"),
    ("holder /applications", "holder", "/applications"),
    ("holder /certificates", "holder", "/certificates"),
    ("reviewer home", "reviewer", "/home"),
    ("review queue", "reviewer", "/review/queue"),
    ("reviewer /applications", "reviewer", "/applications"),
    ("application page", "reviewer", "/applications/{application}"),
    ("/supervision", "reviewer", "/supervision"),
    ("reviewer /certificates", "reviewer", "/certificates"),
    ("approver home", "approver", "/home"),
    ("manufacturer home", "manufacturer", "/home"),
    ("admin home", "admin", "/home"),
    ("/account/password", "holder", "/account/password"),
    ("registry search", None, "/registry?q=%E8%A1%80"),
    ("verify page", None, "/verify/{number}"),
    ("API certificate search", None, "/api/v1/certificates?q="),
]
#: statement counts the smoke run asserts (at 2,000 applications); a page above its ceiling
#: means a query per row crept back in
SMOKE_CEILING = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str = "/", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not start")


def gunicorn(app: str, port: int, env: dict[str, str], workers: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync", "-b",
         f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT, env=env, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True,
                              text=True).stdout.split()
    sizes = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return sizes


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def session_cookie(port: int, email: str) -> str:
    """Sign in through the real form; the session cookie as a Cookie header."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                   "password": PASSWORD}).encode()
    try:
        opener.open(f"http://127.0.0.1:{port}/login", data=data)
    except Exception as answer:  # the 302 after a successful sign-in
        if getattr(answer, "code", None) != 302:
            raise
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        raise SystemExit(f"could not sign in as {email}")
    return cookies


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, seconds: int, connections: int, cookie: str | None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "8s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\s50%\s+(\S+)", output)
    p99 = re.search(r"\s99%\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return {"rps": float(rps.group(1)) if rps else 0.0,
            "p50": _ms(p50.group(1)) if p50 else float("nan"),
            "p99": _ms(p99.group(1)) if p99 else float("nan"),
            "errors": float(errors.group(1)) if errors else 0.0,
            "timeouts": float(timeouts.group(1)) if timeouts else 0.0}


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the demo or generate the dataset; the values the page paths need."""
    os.environ.update(env)
    from flask_migrate import upgrade
    from sqlalchemy import select

    from devreg import create_app
    from devreg.audit.services import acting_as
    from devreg.bench.generate import generate
    from devreg.certificates.models import Certificate
    from devreg.demo.loader import load_demo
    from devreg.extensions import db
    from devreg.registrations.models import Application
    from devreg.workdays.models import CalendarVersion

    app = create_app()
    with app.app_context():
        if not args.keep:
            upgrade()
            has_data = db.session.scalar(select(Application.id).limit(1)) is not None
            if not has_data:
                with acting_as(None, "bench"):
                    load_demo()
                db.session.commit()
                if args.applications:
                    def progress(label: str, done: int, total: int) -> None:
                        print(f"\r  {label}: +{done:,} of {total:,}", end="", flush=True)

                    generate(applications=args.applications, organisations=args.organisations,
                             audit_events=args.audit_events, progress=progress)
                    db.session.commit()
                    print()
            # a database emptied table by table (the test suite does) lost its calendar token
            if db.session.scalar(select(CalendarVersion.id)) is None:
                db.session.add(CalendarVersion(id=1, token=os.urandom(16).hex()))
                db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
        application = db.session.scalar(select(Application.id).where(
            Application.province_code == "13", Application.state == "in_review")
            .order_by(Application.id.desc()).limit(1))
        number = db.session.scalar(select(Certificate.number).where(
            Certificate.province_code == "13").order_by(Certificate.id.desc()).limit(1))
        db.session.remove()
    # outside the setup's app context: each request gets its own, as under gunicorn
    counts = statement_counts(app, {"application": str(application), "number": number})
    return {"application": str(application), "number": number or "none", **counts}


def statement_counts(app, values: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each page's SQL statements, served once in-process (after a warm-up request)."""
    from devreg.bench.statements import count_statements
    from devreg.extensions import db

    counts = {}
    clients = {}
    app.config["RATELIMIT_ENABLED"] = False
    for label, account, path in PAGES:
        path = path.format(**values)
        client = clients.get(account)
        if client is None:
            client = clients[account] = app.test_client()
            if account:
                answer = client.get("/login")
                page = answer.get_data(as_text=True)
                if "csrf_token" not in page:
                    raise SystemExit(f"no sign-in form: {answer.status_code} {page[:300]}")
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
                client.post("/login", data={"csrf_token": token, "password": PASSWORD,
                                            "email": f"{account}@demo.devreg"})
        client.get(path)
        with app.app_context():
            engine = db.engine
        with count_statements(engine) as log:
            status = client.get(path).status_code
        counts[f"sql:{label}"] = f"{log.count}" if status == 200 else f"{log.count} ({status})"
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--applications", type=int, default=0)
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--audit-events", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, help="runs per page; the median")
    parser.add_argument("--keep", action="store_true", help="use the database as it is")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated page labels")
    args = parser.parse_args()
    if args.smoke:
        args.applications = args.applications or 2000
        args.organisations = 200
    workdir = Path(tempfile.mkdtemp(prefix="devreg-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    # production settings, as a deployment has them: strong keys, a public origin, and shared
    # rate limits in Redis when it answers (memory limits are allowed only for this one host)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_urlsafe(32),
           "UPLOAD_FOLDER": str(workdir / "uploads"), "DEVREG_ENV": "production",
           "AUDIT_KEY": os.environ.get("AUDIT_KEY") or secrets.token_urlsafe(32),
           "PUBLIC_URL": os.environ.get("PUBLIC_URL") or "http://127.0.0.1",
           "RATELIMIT_ALLOW_MEMORY": "1"}
    started = time.monotonic()
    values = prepare(args, env)
    print(f"data ready in {time.monotonic() - started:.0f} s ({database_url.split('@')[-1]})")
    if args.smoke:
        too_many = {k: v for k, v in values.items() if k.startswith("sql:")
                    and (not v.isdigit() or int(v) > SMOKE_CEILING)}
        for key, value in values.items():
            if key.startswith("sql:"):
                print(f"{key[4:]:<24} {value:>4} statements")
        if too_many:
            raise SystemExit(f"statement counts above {SMOKE_CEILING} or failing: {too_many}")
        print("benchmark smoke: OK")
        return

    app_port, hello_port = free_port(), free_port()
    devreg_server = gunicorn("wsgi:app", app_port, env)
    hello_server = gunicorn("bench.hello:app", hello_port, env)
    try:
        wait_for(app_port)
        wait_for(hello_port)
        time.sleep(2)
        cookies = {account: session_cookie(app_port, f"{account}@demo.devreg")
                   for account in {a for _l, a, _p in PAGES if a}}
        rss_before = worker_rss_mb(devreg_server)
        hello = [wrk(f"http://127.0.0.1:{hello_port}/", args.seconds, args.connections, None)
                 for _ in range(args.repeat)]
        hello_rps = sorted(r["rps"] for r in hello)[len(hello) // 2]
        print(f"\nhello-world: {hello_rps:,.0f} req/s ({args.connections} connections, "
              f"{args.seconds} s, median of {args.repeat})\n")
        header = f"| {'page':<24} | req/s | % of hello | p50 ms | p99 ms | SQL | errors |"
        print(header)
        print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        for label, account, path in PAGES:
            if only and label not in only:
                continue
            # wrk sends the URL as given: a certificate number in Chinese must be percent-encoded
            quoted = {key: urllib.parse.quote(value) for key, value in values.items()}
            url = f"http://127.0.0.1:{app_port}{path.format(**quoted)}"
            runs = sorted((wrk(url, args.seconds, args.connections, cookies.get(account))
                           for _ in range(args.repeat)), key=lambda r: r["rps"])
            median = runs[len(runs) // 2]
            share = 100 * median["rps"] / hello_rps
            print(f"| {label:<24} | {median['rps']:5.0f} | {share:9.1f} % "
                  f"| {median['p50']:6.1f} | {median['p99']:6.1f} | {values['sql:' + label]:>3} "
                  f"| {median['errors'] + median['timeouts']:6.0f} |", flush=True)
        rss_after = worker_rss_mb(devreg_server)
        print(f"\nworker RSS: before {', '.join(f'{r:.0f}' for r in rss_before)} MB, "
              f"after {', '.join(f'{r:.0f}' for r in rss_after)} MB")
    finally:
        stop(devreg_server)
        stop(hello_server)


if __name__ == "__main__":
    main()
