"""The whole demo (accounts and the issue 3 scenarios): idempotent, made through the real
services (audit chain intact, signatures real), consistent with its clocks, and every demo
account reaches its home page and everything it links to."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.audit.queries import verify_chain
from devreg.audit.services import acting_as
from devreg.auth import passwords
from devreg.certificates.models import Certificate
from devreg.certificates.numbers import is_valid_certificate_number
from devreg.certificates.services import renewal_deadline
from devreg.clock import china_today
from devreg.demo.go_live import COUNT as GO_LIVE_CERTIFICATES
from devreg.demo.loader import ACCOUNTS, load_demo
from devreg.demo.registrations import SCENARIOS
from devreg.extensions import db
from devreg.permissions import can
from devreg.registrations.clocks import clock_for
from devreg.registrations.models import Application, Device
from devreg.review.sweep import run_sweep
from devreg.signatures.models import Signature
from tests.conftest import login, post
from tests.foundation.helpers import links_in

HEBEI, BEIJING = "13", "11"
EVERY_STATE = {"draft", "submitted", "correction_requested", "not_accepted", "accepted",
               "in_review", "supplement_requested", "review_done", "refused", "approved"}
LOCALES = {"en": "en", "zh_CN": "zh-CN"}


def load() -> None:
    with acting_as(None, "demo-loader"):
        load_demo()
    db.session.commit()


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def stored_files(app) -> set[str]:  # type: ignore[no-untyped-def]
    root = Path(app.config["UPLOAD_FOLDER"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def user(email: str):  # type: ignore[no-untyped-def]
    from devreg.auth.services import find_user_by_email

    return find_user_by_email(email)


def by_device(name: str, province: str) -> Application:
    """The initial application of the demo device ``name`` in ``province``."""
    return db.session.scalar(select(Application).join(Device).where(
        Device.name == name, Application.province_code == province,
        Application.kind == "initial"))


def test_loading_the_demo_twice_changes_and_duplicates_nothing(app):
    load()
    first, files = row_counts(), stored_files(app)
    # each scenario's device, and the device of each certificate imported at go-live
    assert first["devices"] == len(SCENARIOS) + GO_LIVE_CERTIFICATES
    # and one cancellation and one renewal; the Hebei certificates already name the Jiangsu
    # factory, so its arrangements need no change filing (the address is recorded once, issue 10)
    assert first["applications"] == len(SCENARIOS) + 1 + 1
    assert first["certificates"] == 6 + GO_LIVE_CERTIFICATES
    assert first["imported_records"] == 3 + 1 + GO_LIVE_CERTIFICATES
    assert first["signatures"] > 50

    load()
    assert row_counts() == first
    assert stored_files(app) == files
    checked, broken = verify_chain()
    assert broken is None
    assert checked == first["audit_events"]


def test_the_demo_has_every_state_in_hebei_and_beijing_with_meaningful_clocks(app):
    load()
    today = china_today()
    for province in (HEBEI, BEIJING):
        states = set(db.session.scalars(select(Application.state).where(
            Application.province_code == province)))
        assert states >= EVERY_STATE, (province, EVERY_STATE - states)
    reviewer, approver = user("reviewer@demo.devreg"), user("approver@demo.devreg")

    # the actors of the audit trail are the demo accounts, not an anonymous loader
    actors = set(db.session.scalars(select(AuditEvent.actor_email).where(
        AuditEvent.subject_type == "Application")))
    assert {"holder@demo.devreg", "reviewer@demo.devreg", "approver@demo.devreg",
            "holder.bj@demo.devreg", "reviewer.bj@demo.devreg"} <= actors

    submitted = by_device("医用脉搏血氧仪", HEBEI)
    clock = clock_for(submitted, today)
    assert submitted.state == "submitted"
    assert clock.stage == "acceptance"
    assert 0 < clock.used < clock.limit  # the sweep would not deem it accepted yet

    overdue = by_device("动态血压监测仪", HEBEI)
    clock = clock_for(overdue, today)
    assert overdue.state == "in_review"
    assert overdue.assigned_reviewer_id == reviewer.id
    assert clock.overdue
    assert clock.used > 60

    waiting = by_device("全自动生化分析仪", HEBEI)
    clock = clock_for(waiting, today)
    assert waiting.state == "supplement_requested"
    assert clock.paused
    assert waiting.supplement_deadline > today

    due_soon = by_device("中频治疗仪", BEIJING)
    assert clock_for(due_soon, today).due_soon

    review_done = by_device("红外额温计", HEBEI)
    assert review_done.state == "review_done"
    assert review_done.opinion_by_id == reviewer.id
    assert approver.id != reviewer.id
    assert can(approver, "review.decide", review_done)
    assert not can(reviewer, "review.decide", review_done)  # four eyes: no approve duty

    # every decision was taken by someone other than the author of the opinion
    decided = db.session.scalars(select(Application).where(
        Application.decided_by_id.is_not(None), Application.opinion_by_id.is_not(None))).all()
    assert decided
    assert all(a.decided_by_id != a.opinion_by_id for a in decided)

    # nothing is due for the sweep: the demo is consistent with its clocks
    result = run_sweep(today)
    assert (result.deemed_accepted, result.terminated, result.deemed_renewed,
            result.expired) == ([], [], [], [])
    db.session.rollback()


def test_the_demo_certificates_have_real_numbers_and_a_renewal_coming_up(app):
    load()
    today = china_today()
    # the certificates devreg approved (the go-live import has its own tests/transfer)
    certificates = {c.device_name: c for c in db.session.scalars(select(Certificate).where(
        Certificate.application_id.is_not(None)))}
    assert all(is_valid_certificate_number(c.number) for c in certificates.values())
    assert all(c.approver_signature_id for c in certificates.values())

    ivd = certificates["C反应蛋白（CRP）测定试剂盒（胶乳增强免疫比浊法）"]
    assert re.fullmatch(r"冀械注准\d{4}240\d{4}", ivd.number)
    assert ivd.status == "valid"
    assert re.fullmatch(r"冀械注准\d{4}207\d{4}", certificates["臂式电子血压计"].number)
    assert certificates["特定电磁波治疗器"].number.startswith("京械注准")
    assert certificates["一次性使用医用橡胶检查手套"].status == "cancelled"

    renewing = certificates["医用外科口罩"]
    deadline = renewal_deadline(renewing)
    assert renewing.status == "valid"
    assert today + timedelta(days=20) <= deadline <= today + timedelta(days=40)

    # serials are consecutive per province and year, from 0001
    serials: dict[tuple[str, int], list[int]] = {}
    for c in certificates.values():
        serials.setdefault((c.province_code, c.first_year), []).append(c.serial)
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in serials.values())

    # every signature is bound to a demo account that really holds the right
    signers = set(db.session.scalars(select(Signature.printed_name)))
    assert {user("approver@demo.devreg").display_name,
            user("reviewer@demo.devreg").display_name} <= signers


def _local(href: str, base: str) -> str | None:
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https") or parts.hostname != "localhost":
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("locale", list(LOCALES))
def test_every_demo_account_reaches_its_home_page_and_every_link_on_it(app,
                                                                        locale):
    load()
    for email in ACCOUNTS:
        client = app.test_client()
        login(client, email)
        assert post(client, f"/locale/{locale}").status_code == 302
        home = client.get("/home")
        assert home.status_code == 200, email
        assert f'<html lang="{LOCALES[locale]}"' in home.get_data(as_text=True)
        paths = {p for href in links_in(home) if (p := _local(href, "http://localhost/home"))}
        assert len(paths) > 3, (email, paths)
        statuses = {path: client.get(path).status_code for path in sorted(paths)}
        errors = {path: code for path, code in statuses.items() if code >= 500}
        assert errors == {}, email
        # a link shown to a user leads somewhere that user may go
        refused = {path: code for path, code in statuses.items() if code in (403, 404)}
        assert refused == {}, email


def _text(response) -> str:  # type: ignore[no-untyped-def]
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ",
                                                    response.get_data(as_text=True))))


def test_home_pages_show_the_clocks_queues_and_renewal_deadline(app):
    load()
    browsers = {}
    for email in ("holder", "reviewer", "approver", "admin"):
        browsers[email] = app.test_client()
        login(browsers[email], email)
        assert post(browsers[email], "/locale/en").status_code == 302

    holder = browsers["holder"].get("/home")
    page, text = holder.get_data(as_text=True), _text(holder)
    assert 'data-testid="overdue"' in page  # the overdue review shows its badge
    assert 'data-testid="renewal-due"' in page
    assert "冀械注准20" in text
    assert "72 / 60" in text  # 72 working days used of the 60-day review limit
    assert "Clock stopped" in text  # the supplement request stops the clock
    assert "特定电磁波治疗器" not in text  # only its own organisation's records
    # the home page shows the to-do lists; the cancelled certificate is in the full list
    assert "Cancelled" in _text(browsers["holder"].get("/certificates"))

    reviewer = _text(browsers["reviewer"].get("/home"))
    assert "Overdue in your queues: 1" in reviewer
    assert "动态血压监测仪" in reviewer
    assert "医用脉搏血氧仪" in reviewer
    assert "/review/queue?stage=review" in browsers["reviewer"].get("/home").get_data(
        as_text=True)

    approver = browsers["approver"].get("/home")
    assert "红外额温计" in _text(approver)
    assert "/review/queue?stage=decision" in approver.get_data(as_text=True)
    assert "stage=acceptance" not in approver.get_data(as_text=True)  # not its duty

    admin = browsers["admin"].get("/home").get_data(as_text=True)
    for endpoint in ("workdays.calendar_index", "workdays.province_list"):
        assert f'href="{url_for(endpoint, _external=False)}"' in admin


def test_scenarios_whose_accounts_cannot_sign_are_skipped_not_half_made(app,
                                                                         caplog):
    """A demo password changed in the browser: the loader leaves that holder's scenarios out
    (it could not sign them) and still loads the others."""
    with acting_as(None, "test"):
        load_demo(scenarios=False)
    user("holder@demo.devreg").password_hash = passwords.hash_password("changed-in-browser-7")
    db.session.commit()

    load()
    holders = {email: user(email).organisation_id
               for email in ("holder@demo.devreg", "holder.bj@demo.devreg")}
    imported = select(Certificate.device_id).where(Certificate.application_id.is_(None))
    devices = {email: db.session.scalar(select(func.count(Device.id)).where(
        Device.holder_org_id == org_id, Device.id.not_in(imported)))
        for email, org_id in holders.items()}
    assert devices["holder@demo.devreg"] == 0
    assert devices["holder.bj@demo.devreg"] == sum(
        1 for s in SCENARIOS if s.holder == "holder.bj@demo.devreg")
    assert "cannot sign with the demo password" in caplog.text
    assert verify_chain()[1] is None


def test_the_demo_runs_a_hebei_application_in_the_priority_stream_on_45_plus_45(app):
    load()
    application = by_device("医用电子体温计（儿童型）", HEBEI)
    assert application.state == "in_review"
    assert (application.requested_stream, application.stream) == ("priority", "priority")
    assert application.time_limits["technical_review"] == 45
    assert application.time_limits["supplement_review"] == 45
    assert clock_for(application, china_today()).limit == 45
    # the province's setting: priority review for first registrations only
    from devreg.workdays.queries import streams_for, time_limits_snapshot

    assert streams_for(HEBEI) == {"priority": ["initial"]}
    assert time_limits_snapshot(HEBEI, "change", "priority")["technical_review"] == 60
    client = app.test_client()
    login(client, "reviewer@demo.devreg")
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert 'data-testid="stream"' in page
    assert "45 + 45" in page


def test_the_demo_shows_a_pause_an_extension_a_termination_to_decide_and_a_withdrawal(app):
    load()
    today = china_today()
    paused = by_device("电动病床", HEBEI)
    clock = clock_for(paused, today)
    assert clock.paused and clock.pause_reason == "expert_consultation"
    extended = by_device("医用冷敷贴", HEBEI)
    assert clock_for(extended, today).extended_by == 30
    terminated = by_device("医用超声耦合剂", HEBEI)
    assert terminated.state == "terminated" and terminated.decided_on is None
    from devreg.review.queries import queue_rows

    assert terminated.id in [a.id for a, _c in queue_rows(user("approver@demo.devreg"),
                                                           "decision", today)]
    withdrawn = by_device("医用隔离眼罩", HEBEI)
    assert withdrawn.state == "withdrawn" and withdrawn.opinion == "approve"
    assert withdrawn.withdrawal_reason


def test_every_demo_signature_checks_valid_against_its_record(app):
    """Every kind of signature the demo makes (decisions, clock pauses and extensions,
    objections, declarations) has a content of record, and each matches its record: none is
    shown as unchecked or changed."""
    from devreg.signatures.records import VALID, check

    load()
    signatures = list(db.session.scalars(select(Signature)))
    results = {(s.subject_type, s.meaning, check(s).status) for s in signatures}
    meanings = {meaning for _type, meaning, _status in results}
    assert {"clock_paused", "clock_extended"} <= meanings
    assert {r for r in results if r[2] != VALID} == set()
    result = app.test_cli_runner().invoke(args=["signatures", "verify"])
    assert result.exit_code == 0, result.output
