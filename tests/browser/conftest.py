"""Real-browser fixtures: devreg served on 127.0.0.1 from a temporary instance with the demo
data, driven by Debian's Chromium through Playwright's sync API.

The instance is prepared the way an operator does it (``flask --app devreg db upgrade`` and
``demo load`` in a subprocess), on SQLite in a temporary folder, or, when the suite runs with
DATABASE_URL on PostgreSQL, on a database of its own (that name + ``_browser``), created here and
dropped at the end: the rest of the suite empties the tables of DATABASE_URL after every test.

Chromium is not downloaded: ``/usr/bin/chromium`` (Debian's package ``chromium``; override with
DEVREG_CHROMIUM) must be there, or every browser test fails saying so. Screenshots go to
``test-output/screenshots/``; with DEVREG_DOC_SCREENSHOTS=1 the ones listed in DOC_SCREENSHOTS
are also copied to ``docs/screenshots/``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.helpers import PASSWORD, pdf_bytes, sign_in

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Response,
        sync_playwright,
    )
except ImportError as error:  # a failure, not a skip: CI must run these
    raise ImportError("The browser tests need Playwright for Python: "
                      "pip install -e '.[test]' (it is in the test extra).") from error

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
#: test-output name -> docs name, copied when DEVREG_DOC_SCREENSHOTS=1
DOC_SCREENSHOTS = {
    "a3-application-approved.png": "application-approved.png",
    "a4-certificate.png": "certificate.png",
    "a6-verification-zh.png": "verification-zh.png",
    "b1-arrangement-licence-block.png": "arrangement-licence-block.png",
    "b8-supervision-jiangsu-active.png": "supervision-jiangsu.png",
    "b6-certificate-production-sites.png": "certificate-production-sites.png",
    "b7-arrangement-zh.png": "arrangement-zh.png",
}

CHROMIUM = os.environ.get("DEVREG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
JIANGSU_LICENCE = "苏药监械生产许20210015号"
#: added to the Jiangsu licence when the demo has no site there that the journey can use
BROWSER_SITE = "江苏省苏州市工业园区星湖街 218 号 3 号厂房"
HOLDER = "holder@demo.devreg"

# --- the server ------------------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class Live:
    """The served app: its URL, the app object (for reading the database and rendering
    translations exactly as the pages do), and every 5xx it answered."""

    url: str
    app: Flask
    server_errors: list[str] = field(default_factory=list)

    def translate(self, msgid: str, locale: str, **variables: Any) -> str:
        from flask_babel import force_locale, gettext

        with self.app.test_request_context(), force_locale(locale):
            return gettext(msgid, **variables)

    def title(self, state: Any, locale: str = "en") -> str:
        """A state's title (``state.title`` is a lazy string) as the page shows it."""
        from flask_babel import force_locale

        with self.app.test_request_context(), force_locale(locale):
            return str(state.title)


def _record_5xx(app: Flask, errors: list[str]):  # type: ignore[no-untyped-def]
    def middleware(environ, start_response):  # type: ignore[no-untyped-def]
        def recording(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            if status.startswith("5"):
                errors.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO')}: {status}")
            return start_response(status, headers, exc_info)

        return app(environ, recording)

    return middleware


def _postgres_database(url: str) -> tuple[str, str] | None:
    """(admin URL to connect to, URL of the browser tests' own database), or None on SQLite."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgres"):
        return None
    plain = parsed.set(drivername="postgresql")
    browser_db = plain.set(database=f"{parsed.database}_browser")
    return (plain.render_as_string(hide_password=False),
            browser_db.render_as_string(hide_password=False))


def _run_postgres(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _flask(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "devreg", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        pytest.fail(f"flask {' '.join(args)} failed ({result.returncode}):\n"
                    f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    base = tmp_path_factory.mktemp("browser-instance")
    given = os.environ.get("DATABASE_URL", "")
    postgres = _postgres_database(given) if given else None
    if postgres:
        admin_url, database_url = postgres
        name = make_url(database_url).database
        _run_postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _run_postgres(admin_url, f'CREATE DATABASE "{name}"')
    else:
        database_url = f"sqlite:///{base / 'devreg.sqlite3'}"
    uploads = base / "uploads"
    env = {**os.environ, "DEVREG_ENV": "development", "DATABASE_URL": database_url,
           "UPLOAD_FOLDER": str(uploads)}
    env.pop("SECRET_KEY", None)
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "load")

    from devreg import create_app

    app = create_app({"DEVREG_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url,
                      "UPLOAD_FOLDER": str(uploads)})
    errors: list[str] = []
    server = make_server("127.0.0.1", 0, _record_5xx(app, errors), threaded=True,
                         request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="devreg-live", daemon=True)
    thread.start()
    try:
        yield Live(url=f"http://127.0.0.1:{server.server_port}", app=app, server_errors=errors)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        from devreg.extensions import db

        with app.app_context():
            db.engine.dispose()
        if postgres:
            _run_postgres(postgres[0], f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def app_ctx() -> None:
    """Replaces the suite's per-test table emptying: the browser tests have their own
    instance, which lives for the whole session."""


@pytest.fixture(autouse=True)
def _no_server_errors(live: Live) -> Iterator[None]:
    start = len(live.server_errors)
    yield
    errors = live.server_errors[start:]
    assert not errors, f"the server answered with errors: {errors}"


# --- what the cross-regional journey uses ----------------------------------------------------

@dataclass(frozen=True)
class CrossRegional:
    device_id: int
    device_name: str
    category_code: str
    certificate_number: str
    licence_id: int
    site_id: int
    site_address: str
    #: the last day the agreements may run to (2024-38 §4)
    agreement_until: str


@pytest.fixture(scope="session")
def cross_regional(live: Live) -> CrossRegional:
    """A registered device of the Hebei holder whose subcategory the Jiangsu licence does not
    cover, with no arrangement yet, and a site on the Jiangsu licence whose address is not on
    that certificate. From the demo when it has them (the CRP reagent, code 40, in the demo of
    issue 3); a site is added through the production services when the demo has none."""
    from devreg.arrangements.models import Arrangement
    from devreg.audit.services import acting_as
    from devreg.auth.services import find_user_by_email
    from devreg.certificates.models import Certificate
    from devreg.extensions import db
    from devreg.production.queries import find_by_number
    from devreg.production.services import add_site

    with live.app.app_context():
        holder = find_user_by_email(HOLDER)
        licence = find_by_number(JIANGSU_LICENCE)
        assert holder is not None, "the demo has no Hebei holder"
        assert licence is not None, f"the demo has no licence {JIANGSU_LICENCE}"
        arranged = set(db.session.scalars(select(Arrangement.device_id)))
        certificate = next((c for c in db.session.scalars(
            select(Certificate).where(Certificate.holder_org_id == holder.organisation_id,
                                      Certificate.status == "valid").order_by(Certificate.id))
            if not licence.covers(c.device.category_code) and c.device_id not in arranged),
            None)
        if certificate is None:
            certificate = _register_device(holder, uncovered=licence.scope_codes)
        on_certificate = set(certificate.production_address.splitlines())
        site = next((s for s in licence.sites if s.is_active
                     and s.address not in on_certificate), None)
        if site is None:
            with acting_as(None, "browser-test-fixture"):
                site = add_site(licence, BROWSER_SITE)
            db.session.commit()
        from devreg.arrangements.services import agreement_limit

        until = agreement_limit(certificate.device, site)[0].isoformat()
        return CrossRegional(
            agreement_until=until,
            device_id=certificate.device_id, device_name=certificate.device.name,
            category_code=certificate.device.category_code,
            certificate_number=certificate.number, licence_id=licence.id, site_id=site.id,
            site_address=site.address)


def _register_device(holder, *, uncovered: list[str]):  # type: ignore[no-untyped-def]
    """Fallback when the demo has no suitable certificate: register one through the services,
    as the demo loader does."""
    import io

    from devreg.audit.services import acting_as
    from devreg.auth.services import find_user_by_email
    from devreg.clock import china_today
    from devreg.extensions import db
    from devreg.reference.queries import all_categories
    from devreg.registrations import services as filing
    from devreg.registrations.kinds import ApplicationKind
    from devreg.review import services as review

    code = next(c.code for c in all_categories() if c.code not in uncovered and c.code != "40")
    reviewer = find_user_by_email("reviewer@demo.devreg")
    approver = find_user_by_email("approver@demo.devreg")
    today = china_today()
    with acting_as(holder.id, holder.email):
        device = filing.create_device(filing.DeviceData(
            name="理疗仪（浏览器测试）", model_spec="BT-1", structure="主机、电极",
            intended_use="用于缓解肌肉疼痛。", device_class="2", category_code=code,
            is_ivd_reagent=False), holder_org_id=holder.organisation_id)
        application = filing.create_application(
            ApplicationKind.INITIAL, device, actor=holder, today=today,
            production_address=holder.organisation.address)
        for chapter in application.checklist:
            filing.add_dossier_file(application, chapter.code, filename=f"{chapter.code}.pdf",
                                    stream=io.BytesIO(pdf_bytes(chapter.code)), actor=holder)
        filing.submit_application(application, actor=holder, password=PASSWORD,
                                  declaration=True, today=today)
        db.session.flush()
    with acting_as(reviewer.id, reviewer.email):
        review.accept(application, actor=reviewer, password=PASSWORD, today=today)
        review.assign_reviewer(application, actor=reviewer, reviewer=reviewer, today=today)
        review.record_qms(application, actor=reviewer, result="pass", notes="", today=today)
        review.give_opinion(application, actor=reviewer, password=PASSWORD,
                            recommendation="approve", text="符合要求", today=today)
        db.session.flush()
    with acting_as(approver.id, approver.email):
        certificate = review.decide(application, actor=approver, password=PASSWORD,
                                    approve=True, reasons="", today=today)
        db.session.flush()
    db.session.commit()
    return certificate


# --- the browser -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        message = (f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's "
                   "package (apt-get install -y chromium), or DEVREG_CHROMIUM pointing at a "
                   "Chromium binary. They do not download a browser.")
        # CI installs Chromium and must never skip these; on a developer's fresh machine the
        # README's test command reports them as skipped, with this reason, instead of failing
        if os.environ.get("CI") or os.environ.get("DEVREG_REQUIRE_BROWSER"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class People:
    """One browser context per account, signed in once and kept for the session (as each
    person keeps their own browser), plus anonymous visitors."""

    def __init__(self, browser: Browser, live: Live) -> None:
        self.browser = browser
        self.live = live
        self.pages: dict[str, Page] = {}
        self.contexts: list[BrowserContext] = []
        self.problems: list[str] = []

    def _new_page(self, label: str) -> Page:
        context = self.browser.new_context(base_url=self.live.url, viewport=VIEWPORT,
                                           locale="en-US", timezone_id="Asia/Shanghai")
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"{label}: {error}"))
        page.on("console", lambda message: self._console(label, page, message))
        page.on("response", lambda response: self._response(label, response))
        return page

    def _console(self, label: str, page: Page, message: ConsoleMessage) -> None:
        # a failed sub-resource is reported by _response, with its address
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"{label}: console: {message.text} at {page.url}")

    def _response(self, label: str, response: Response) -> None:
        """Sub-resources (style sheets, scripts, images) must load; Chromium's own request
        for /favicon.ico, which devreg does not serve, is not the app's."""
        request = response.request
        if (response.status >= 400 and request.resource_type != "document"
                and not response.url.endswith("/favicon.ico")):
            self.problems.append(f"{label}: {request.resource_type} {response.url} answered "
                                 f"{response.status}")

    def __call__(self, email: str) -> Page:
        """The page of a signed-in account (signs in again if the session ended)."""
        page = self.pages.get(email)
        if page is None:
            page = self.pages[email] = self._new_page(email)
        page.goto("/home")
        if "/login" in page.url:
            sign_in(page, email)
        return page

    def anonymous(self, label: str = "public") -> Page:
        page = self._new_page(label)
        self.pages[f"anonymous-{len(self.contexts)}"] = page
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="session")
def people(browser: Browser, live: Live) -> Iterator[People]:
    crowd = People(browser, live)
    yield crowd
    crowd.close()


@pytest.fixture(autouse=True)
def _no_page_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Script errors and console errors (e.g. Content-Security-Policy violations) fail the test
    that caused them."""
    if "people" not in request.fixturenames:
        yield
        return
    crowd: People = request.getfixturevalue("people")
    start = len(crowd.problems)
    yield
    problems = crowd.problems[start:]
    assert not problems, f"errors in the browser: {problems}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """On a failure, a screenshot of every open page, named after the test."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    crowd = getattr(item, "funcargs", {}).get("people")
    if crowd is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, page in crowd.pages.items():
        if not page.is_closed():
            name = f"FAILED-{item.name}-{label.replace('@', '_')}.png"
            try:
                page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
            except Exception as error:  # best effort on a failure path
                report.sections.append(("screenshot", f"{name}: {error}"))
            else:
                report.sections.append(("screenshot", f"{SCREENSHOTS / name} ({page.url})"))


@pytest.fixture(scope="session")
def shoot() -> Iterator[Any]:
    """shoot(page, name): a viewport screenshot under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    taken: list[str] = []

    def _shoot(page: Page, name: str) -> Path:
        path = SCREENSHOTS / name
        page.screenshot(path=str(path))
        taken.append(name)
        return path

    yield _shoot
    if os.environ.get("DEVREG_DOC_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for source, target in DOC_SCREENSHOTS.items():
            if source in taken:
                shutil.copyfile(SCREENSHOTS / source, DOCS_SCREENSHOTS / target)
