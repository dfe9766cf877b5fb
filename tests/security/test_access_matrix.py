"""The access matrix: every route of ``app.url_map``, every method, every kind of visitor.

The tables below say, for each endpoint, how to build its URL from real records of the demo
kind and what each visitor must get back. ``test_every_route_is_classified`` walks the URL map:
a route (or a value of an ``any(...)`` route, or a method) missing from the tables fails CI with
its name, so a new route cannot ship unclassified.

Each (endpoint, method, visitor) is its own test case: ``test_get``, ``test_post`` (with the
session's CSRF token and an otherwise empty form) and ``test_post_without_csrf_token``, with ids
like ``test_post[review.decide-reviewer]``. The visitors are the nine accounts of VISITORS.

* A route without GET answers 405 to a GET, for everybody.
* A POST without the CSRF token answers 400, for everybody, and changes nothing.
* A POST with the token answers as the POST table says. Every refused POST (sign-in redirect,
  403, 404) and every re-rendered form changes nothing: the audit trail, which records every
  change of every audited row, has the same length before and after. Only "R" (a redirect after
  the action was done or a message flashed) may change something.

The order of the checks is the one devreg/permissions.py documents: a record the visitor may
not see answers 404 whatever the visitor's role (its existence never leaks); a role that may not
use a page, or may not take an action on a record it can see, answers 403.

The records are built once per module (through the real services, as the demo does) and shared
by the read-only cases; a case whose allowed visitor really acts (withdraw, delete a holiday,
sign out) gets a fresh target, so no case depends on another's order.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.routing.converters import AnyConverter

from devreg.arrangements import services as arrangements
from devreg.arrangements.clauses import CLAUSES
from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.auth.services import UserData, create_user
from devreg.clock import china_today
from devreg.demo.loader import load_demo
from devreg.documents.models import Document
from devreg.documents.services import upload_seal
from devreg.extensions import db
from devreg.production.models import ProductionLicence
from devreg.production.services import LicenceData, add_site, create_licence, request_scope_change
from devreg.reports.services import file_self_inspection
from devreg.workdays.services import add_regulator_holiday
from tests.conftest import CSRF_RE, Demo, _empty_tables, login
from tests.documents.helpers import png
from tests.registrations.helpers import (
    D,
    K,
    S,
    application_in,
    certificate_for,
    submitted_application,
)

#: the agreements' last day: within the demo licence and any certificate issued now
TERM = date(2030, 12, 31)

PASSWORD = "devreg-demo"
JIANGSU_LICENCE = "苏药监械生产许20210015号"
JIANGSU_SITE = "江苏省苏州市工业园区星湖街 218 号 3 号厂房"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SEAL_PNG = png()
BEIJING_REVIEWER = "bj.reviewer@matrix.devreg"
#: the Jiangsu manufacturer's licences for its sites in Anhui and Zhejiang (one licence per
#: province, Order 53 Art 18)
DEAD_LICENCES = ("皖药监械生产许20240101号", "浙药监械生产许20240102号")

#: the visitors, in the column order of the tables below
VISITORS = {
    "anon": None,  # not signed in
    "holder_a": "holder@demo.devreg",  # Hebei holder: owns every record below
    "holder_b": "holder.bj@demo.devreg",  # Beijing holder (and manufacturer)
    "maker": "manufacturer@demo.devreg",  # Jiangsu manufacturer: the arrangement's factory
    "reviewer": "reviewer@demo.devreg",  # Hebei regulator, accept and review duties
    "approver": "approver@demo.devreg",  # Hebei regulator, approve duty
    "reviewer_js": "reviewer.js@demo.devreg",  # Jiangsu regulator: the site's province
    "reviewer_bj": BEIJING_REVIEWER,  # Beijing regulator, every duty: another province
    "admin": "admin@demo.devreg",
}


# --- the records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class World:
    """Ids of the records the URLs point at (ids, not ORM objects: each request and each test
    has its own session)."""

    device: int  # Hebei holder's device (with the draft below)
    draft: int  # initial application, draft
    submitted: int  # initial application, submitted (with dossier files)
    dossier_file: int  # a file of the submitted application
    accepted: int
    in_review: int  # assigned to reviewer@
    supplement: int  # supplement requested
    review_done: int
    certificate: int  # valid, Hebei, holder A
    certificate_number: str
    arrangement: int  # holder A's registered device made at the Jiangsu site: proposed
    licence: int  # the Jiangsu manufacturer's licence (the arrangement's site)
    scope_request: int  # pending, on the Jiangsu licence
    supervision_action: int  # Jiangsu's delegated inspection of the arrangement (feedback due)
    self_inspection: int  # holder A's self-inspection report on last year
    organisation: int  # holder A's organisation
    target_user: int  # an account for the admin's user pages (nobody signs in as it)
    inbox_item: int  # an item in holder A's inbox (the acceptance of one of its applications)
    notice: int  # Hebei's written notice to Jiangsu about the arrangement, with a file
    notice_file: int
    acceptance_notice: int  # the acceptance notice (受理通知书) of ``accepted``
    certificate_sheet: int  # the certificate's PDF (医疗器械注册证)
    document_number: str  # the acceptance notice's number (public verify page)
    # dead relations: holder A proposed production of this certificate's device at a site of
    # each licence below (both the Jiangsu manufacturer's, each with a pending scope change);
    # one proposal was withdrawn, the other declined: neither opens anything
    dead_certificate: int
    withdrawn_licence: int
    withdrawn_arrangement: int
    declined_licence: int
    declined_arrangement: int


def build_world() -> World:
    demo = Demo()
    with acting_as(None, "test"):
        load_demo(scenarios=False)
    db.session.commit()
    # the real argon2 check with light parameters: these tests sign in and sign a lot
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    db.session.execute(update(User).values(password_hash=fast))
    with acting_as(None, "test"):
        create_user(UserData(email=BEIJING_REVIEWER, display_name="北京审评员 BJ",
                             role=Role.REVIEWER, organisation_id=demo.org("reg_beijing").id,
                             has_accept_duty=True, has_review_duty=True,
                             has_approve_duty=True), password="matrix-password-1", temporary=False)
        target = create_user(UserData(email="target@matrix.devreg", display_name="Target",
                                      role=Role.HOLDER,
                                      organisation_id=demo.org("holder_hebei").id),
                             password="matrix-password-2")
        db.session.execute(update(User).where(User.email == BEIJING_REVIEWER)
                           .values(password_hash=fast))
        db.session.commit()

        # Hebei's seal: the documents below carry it, and the admin's seal page shows it
        upload_seal("13", SEAL_PNG, actor=demo.user("admin"))
        db.session.commit()
        certificate = certificate_for(demo, name="电子血压计 matrix")
        application_in(demo, K.CHANGE, S.APPROVED, certificate=certificate)  # change document 1
        draft = application_in(demo, K.INITIAL, S.DRAFT, name="体温计 draft")
        submitted = application_in(demo, K.INITIAL, S.SUBMITTED, name="体温计 submitted")
        states = {state: application_in(demo, K.INITIAL, state, name=f"体温计 {state.value}")
                  for state in (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, S.REVIEW_DONE)}

        licence = db.session.scalar(select(ProductionLicence).where(
            ProductionLicence.number == JIANGSU_LICENCE))
        site = add_site(licence, JIANGSU_SITE)
        arrangement = arrangements.propose(
            arrangements.Proposal(device_id=certificate.device_id, site_id=site.id,
                                  planned_start=D, planned_end=None, clauses=tuple(CLAUSES),
                                  agreement_until=TERM, commission_until=TERM),
            actor=demo.user("holder"), agreement_name="质量协议.pdf",
            agreement_stream=io.BytesIO(PDF),
        commission_name="b.pdf", commission_stream=io.BytesIO(PDF))
        scope_request = request_scope_change(licence, actor=demo.user("manufacturer"),
                                             codes=["09"], new_site_address=None,
                                             reason="新增理疗仪生产")
        inspection = arrangements.record_supervision(
            arrangement, actor=demo.user("reviewer.js"), kind="inspection", action_date=D,
            result="satisfactory", findings="委托检查", mode="delegated")
        report = file_self_inspection(actor=demo.user("holder"), year=china_today().year - 1,
                                      filename="自查报告.pdf", stream=io.BytesIO(PDF),
                                      declaration=True, password=PASSWORD, today=china_today())
        dead = _dead_relations(demo)
        from devreg.arrangements import notices

        notice = notices.write(arrangement, actor=demo.user("reviewer"), body="请协助核查",
                               uploads=[("核查.pdf", io.BytesIO(PDF))])
        db.session.commit()
        from devreg.notifications.models import InboxItem

        inbox_item = db.session.scalar(select(InboxItem.id).where(
            InboxItem.user_id == demo.user("holder").id,
            InboxItem.kind == "application_accepted").order_by(InboxItem.id).limit(1))
        acceptance = db.session.scalar(select(Document).where(
            Document.application_id == states[S.ACCEPTED].id, Document.kind == "acceptance"))
        sheet = db.session.scalar(select(Document).where(
            Document.certificate_id == certificate.id, Document.kind == "certificate"))
        return World(
            device=draft.device_id, draft=draft.id, submitted=submitted.id,
            dossier_file=submitted.files[0].id, accepted=states[S.ACCEPTED].id,
            in_review=states[S.IN_REVIEW].id, supplement=states[S.SUPPLEMENT_REQUESTED].id,
            review_done=states[S.REVIEW_DONE].id, certificate=certificate.id,
            certificate_number=certificate.number, arrangement=arrangement.id,
            licence=licence.id, scope_request=scope_request.id,
            supervision_action=inspection.id, self_inspection=report.id,
            organisation=demo.org("holder_hebei").id, target_user=target.id,
            inbox_item=inbox_item, notice=notice.id, notice_file=notice.attachments[0].id,
            acceptance_notice=acceptance.id, certificate_sheet=sheet.id,
            document_number=acceptance.number, **dead)


def _dead_relations(demo: Demo) -> dict[str, int]:
    certificate = certificate_for(demo, name="雾化器 dead")
    maker = demo.user("manufacturer")
    built: dict[str, int] = {"dead_certificate": certificate.id}
    for outcome, number in (("withdrawn", DEAD_LICENCES[0]), ("declined", DEAD_LICENCES[1])):
        licence = create_licence(LicenceData(number=number, organisation_id=maker.organisation_id,
                                             valid_until=date(2031, 3, 31),
                                             scope_codes=("07", "14")))
        site = add_site(licence, f"{JIANGSU_SITE} {outcome}")
        arrangement = arrangements.propose(
            arrangements.Proposal(device_id=certificate.device_id, site_id=site.id,
                                  planned_start=D, planned_end=None, clauses=tuple(CLAUSES),
                                  agreement_until=TERM, commission_until=TERM),
            actor=demo.user("holder"), agreement_name="质量协议.pdf",
            agreement_stream=io.BytesIO(PDF), commission_name="委托协议.pdf",
            commission_stream=io.BytesIO(PDF))
        if outcome == "withdrawn":
            arrangements.withdraw(arrangement, actor=demo.user("holder"))
        else:
            arrangements.decline(arrangement, actor=maker, reason="产能不足")
        request_scope_change(licence, actor=maker, codes=["22"], new_site_address=None,
                             reason=f"扩大范围 {outcome}")
        built[f"{outcome}_licence"] = licence.id
        built[f"{outcome}_arrangement"] = arrangement.id
    return built


_holiday_days = count()


_limit_stages = count()


def fresh_special_limit(_w: World) -> dict[str, Any]:
    """A Hebei per-kind limit of its own: the admin's allowed POST deletes it."""
    from devreg.workdays.models import LIMITED_STAGES
    from devreg.workdays.services import set_time_limit

    kinds = ("initial", "change", "renewal", "cancellation")
    n = next(_limit_stages)
    with acting_as(None, "test"):
        stages = len(LIMITED_STAGES)
        setting = set_time_limit("13", LIMITED_STAGES[n % stages], 3,
                                 actor=Demo().user("admin"), kind=kinds[(n // stages) % 4],
                                 stream=("priority", "innovative", "emergency")[
                                     n // (stages * 4) % 3])
        db.session.commit()
    return {"code": "13", "setting_id": setting.id}


def fresh_holiday(_w: World) -> dict[str, Any]:
    """A Hebei regulator holiday of its own: the admin's allowed POST deletes it."""
    day = date(2030, 1, 1) + timedelta(days=next(_holiday_days))
    with acting_as(None, "test"):
        holiday = add_regulator_holiday("13", day, "matrix", actor=Demo().user("admin"))
        db.session.commit()
    return {"code": "13", "holiday_id": holiday.id}


def fresh_draft_file(_w: World) -> dict[str, Any]:
    """A draft of its own with its files: holder A's allowed POST removes one."""
    with acting_as(None, "test"):
        draft = application_in(Demo(), K.INITIAL, S.DRAFT, name="体温计 remove")
    return {"application_id": draft.id, "file_id": draft.files[0].id}


_entry_codes = count(1)


def fresh_no_commission_entry(_w: World) -> dict[str, Any]:
    """A 2022 No. 17 list entry of its own: the admin's allowed POST removes it."""
    from devreg.production.services import add_no_commission_entry

    with acting_as(None, "test"):
        entry = add_no_commission_entry(actor=Demo().user("admin"),
                                        code=f"13-{next(_entry_codes):02d}-99", name="matrix",
                                        keyword="matrix")
        db.session.commit()
    return {"entry_id": entry.id}


def fresh_submitted(_w: World) -> dict[str, Any]:
    """A submitted application of its own: holder A's allowed POST withdraws it."""
    with acting_as(None, "test"):
        application = submitted_application(Demo(), today=D, name="体温计 withdraw")
    return {"application_id": application.id}


def fresh_api_token(_w: World) -> dict[str, Any]:
    """A live API token of holder A's: holder A's allowed POST revokes it. (Inserted directly:
    the cases make more than an account's ten live tokens.)"""
    from devreg.api.models import ApiToken

    n = next(_token_names)
    with acting_as(None, "test"):
        token = ApiToken(user_id=Demo().user("holder").id, name=f"matrix {n}",
                         prefix="dvr_matrix", token_hash=f"{n:064x}", scopes="read:own",
                         expires_on=china_today() + timedelta(days=30))
        db.session.add(token)
        db.session.commit()
    return {"token_id": token.id}


_token_names = count()


# --- how to build each URL ------------------------------------------------------------------

def _none(_w: World) -> dict[str, Any]:
    return {}


def _app(attr: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"application_id": getattr(w, attr)}


def _arrangement(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"arrangement_id": w.arrangement, "name": name}


def _user_action(action: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"user_id": w.target_user, "action": action}


ARGS: dict[str, Callable[[World], dict[str, Any]]] = {
    "static": lambda w: {"filename": "css/devreg.css"},
    "main.index": _none,
    "main.home": _none,
    "main.healthz": _none,
    "main.readyz": _none,
    "main.set_locale": lambda w: {"code": "en"},
    "main.switch_locale": lambda w: {"code": "en"},
    "auth.login": _none,
    "auth.logout": _none,
    "auth.change_password": _none,
    "auth.user_list": _none,
    "auth.user_create": _none,
    "auth.user_detail": lambda w: {"user_id": w.target_user},
    "auth.user_action/activate": _user_action("activate"),
    "auth.user_action/deactivate": _user_action("deactivate"),
    "auth.user_action/unlock": _user_action("unlock"),
    "auth.user_reset_password": lambda w: {"user_id": w.target_user},
    "orgs.org_list": _none,
    "orgs.org_create": _none,
    "orgs.org_detail": lambda w: {"org_id": w.organisation},
    "production.licence_list": _none,
    "production.licence_create": _none,
    "production.licence_detail": lambda w: {"licence_id": w.licence},
    "production.licence_edit": lambda w: {"licence_id": w.licence},
    "production.licence_add_site": lambda w: {"licence_id": w.licence},
    "production.licence_renew": lambda w: {"licence_id": w.licence},
    "production.no_commission_list": _none,
    "production.no_commission_delete": fresh_no_commission_entry,
    "production.scope_change_request": lambda w: {"licence_id": w.licence},
    "production.scope_change_list": _none,
    "production.scope_change_decide": lambda w: {"request_id": w.scope_request},
    "registrations.device_list": _none,
    "registrations.device_create": _none,
    "registrations.device_detail": lambda w: {"device_id": w.device},
    "registrations.application_create": lambda w: {"device_id": w.device},
    "registrations.application_list": _none,
    "registrations.application_detail": _app("submitted"),
    "registrations.download": lambda w: {"application_id": w.submitted,
                                         "file_id": w.dossier_file},
    "registrations.upload": _app("draft"),
    "registrations.remove_file": fresh_draft_file,
    "registrations.submit": _app("draft"),
    "registrations.withdraw": fresh_submitted,
    "registrations.answer_supplement": _app("supplement"),
    "review.queue": _none,
    "review.accept": _app("submitted"),
    "review.request_correction": _app("submitted"),
    "review.refuse_acceptance": _app("submitted"),
    "review.assign": _app("accepted"),
    "review.request_supplement": _app("in_review"),
    "review.record_qms": _app("in_review"),
    "review.start_qms": _app("in_review"),
    "review.pause": _app("in_review"),
    "review.resume": _app("in_review"),
    "review.extend": _app("in_review"),
    "review.resolve_objection": _app("review_done"),
    "registrations.object_to_opinion": _app("review_done"),
    "review.give_opinion": _app("in_review"),
    "review.decide": _app("review_done"),
    "certificates.certificate_list": _none,
    "certificates.certificate_detail": lambda w: {"certificate_id": w.certificate},
    "certificates.certificate_print": lambda w: {"certificate_id": w.certificate},
    "certificates.change_document": lambda w: {"certificate_id": w.certificate, "sequence": 1},
    "certificates.certificate_apply": lambda w: {"certificate_id": w.certificate,
                                                 "kind": "change"},
    "certificates.certificate_revoke": lambda w: {"certificate_id": w.certificate},
    "certificates.registry": lambda w: {"q": "血压计"},
    "certificates.verify": lambda w: {"number": w.certificate_number},
    "certificates.verify_qr": lambda w: {"number": w.certificate_number},
    "certificates.verify_lookup": _none,
    "arrangements.arrangement_list": _none,
    "arrangements.propose": _none,
    "arrangements.detail": lambda w: {"arrangement_id": w.arrangement},
    "arrangements.agreement": lambda w: {"arrangement_id": w.arrangement},
    "arrangements.act/confirm": _arrangement("confirm"),
    "arrangements.act/decline": _arrangement("decline"),
    "arrangements.act/withdraw": _arrangement("withdraw"),
    "arrangements.act/end": _arrangement("end"),
    "arrangements.act/suspend": _arrangement("suspend"),
    "arrangements.act/lift": _arrangement("lift"),
    "arrangements.act/supervision": _arrangement("supervision"),
    "arrangements.act/review": _arrangement("review"),
    "arrangements.supervision": _none,
    "arrangements.notice_list": _none,
    "arrangements.feedback": lambda w: {"action_id": w.supervision_action},
    "reports.self_inspection": _none,
    "reports.self_inspection_file": lambda w: {"report_id": w.self_inspection},
    "reports.self_inspection_overview": _none,
    "reports.products": _none,
    "workdays.calendar_index": _none,
    "workdays.year_enter": _none,
    "workdays.province_list": _none,
    "workdays.province_detail": lambda w: {"code": "13"},
    "workdays.limits_save": lambda w: {"code": "13"},
    "workdays.holiday_add": lambda w: {"code": "13"},
    "workdays.holiday_delete": fresh_holiday,
    "workdays.stream_save": lambda w: {"code": "13"},
    "workdays.special_limit_save": lambda w: {"code": "13"},
    "workdays.special_limit_delete": fresh_special_limit,
    "registrations.request_stream": _app("draft"),
    # the API (a session cookie alone never authenticates it: see API_TOKEN below)
    "api-docs.openapi_json": _none,
    "api_public.certificate_search": lambda w: {"q": "血压计", "province": "13"},
    "api_public.certificate_detail": lambda w: {"number": w.certificate_number},
    "api_public.certificate_validity": lambda w: {"number": w.certificate_number,
                                                  "on": "2026-06-01"},
    "api_public.export_registry": _none,
    "api_public.export_jsonl": _none,
    "api_public.export_csv": _none,
    "api_public.export_checksums": _none,
    "api_own.me": _none,
    "api_own.my_devices": _none,
    "api_own.my_applications": _none,
    "api_own.my_application": _app("submitted"),
    "api_own.my_certificates": _none,
    "api_own.my_arrangements": _none,
    "api_own.queues": _none,
    "api_own.queue": lambda w: {"stage": "acceptance"},
    "api_tokens.tokens": _none,
    "api_tokens.revoke": fresh_api_token,
    # imports, counters and exports (devreg/transfer)
    "transfer.import_upload": _none,
    "transfer.import_confirm": _none,
    "transfer.import_template": lambda w: {"kind": "certificates"},
    "transfer.counters": _none,
    "transfer.registry_export": lambda w: {"fmt": "csv", "q": "血压计"},
    "transfer.applications_export": lambda w: {"fmt": "xlsx"},
    "transfer.export/applications": lambda w: {"name": "applications", "fmt": "csv"},
    "transfer.export/arrangements": lambda w: {"name": "arrangements", "fmt": "csv"},
    "transfer.export/certificates": lambda w: {"name": "certificates", "fmt": "csv"},
    "transfer.export/devices": lambda w: {"name": "devices", "fmt": "csv"},
    "transfer.export/licences": lambda w: {"name": "licences", "fmt": "csv"},
    "transfer.export/organisations": lambda w: {"name": "organisations", "fmt": "csv"},
    "transfer.export/queue": lambda w: {"name": "queue", "fmt": "csv"},
    "transfer.export/registry": lambda w: {"name": "registry", "fmt": "csv"},
    "transfer.export/scope-changes": lambda w: {"name": "scope-changes", "fmt": "csv"},
    "transfer.export/supervision": lambda w: {"name": "supervision", "fmt": "csv"},
    "transfer.export/users": lambda w: {"name": "users", "fmt": "csv"},
    "arrangements.notice": lambda w: {"notice_id": w.notice},
    "arrangements.notice_attachment": lambda w: {"notice_id": w.notice,
                                                 "attachment_id": w.notice_file},
    "arrangements.write_notice": lambda w: {"arrangement_id": w.arrangement},
    "arrangements.answer_notice": lambda w: {"notice_id": w.notice},
    "notifications.inbox": _none,
    "notifications.inbox_item": lambda w: {"item_id": w.inbox_item},
    "notifications.mark/read": lambda w: {"item_id": w.inbox_item, "action": "read"},
    "notifications.mark/unread": lambda w: {"item_id": w.inbox_item, "action": "unread"},
    "notifications.read_all": _none,
    "notifications.preferences": _none,
    "documents.download": lambda w: {"document_id": w.acceptance_notice},
    "documents.verify": lambda w: {"number": w.document_number},
    "documents.seals": _none,
    "documents.seal_image": lambda w: {"code": "13"},
}

# --- what each visitor gets -----------------------------------------------------------------
# One column per visitor, in the order of VISITORS. A number is the status code; besides:
#   L  302 to /login?next=<this page>     H  302 to /home
#   R  302 elsewhere: the action was done, or refused with a flashed message
# Routes without GET are not listed in GET: they answer 405 to everybody.

# GET                                    anon hA  hB  mkr rev apr rJS rBJ adm
GET = {
    "static":                           "200 200 200 200 200 200 200 200 200",
    "main.index":                       "200 H   H   H   H   H   H   H   H",
    "main.home":                        "L   200 200 200 200 200 200 200 200",
    "main.healthz":                     "200 200 200 200 200 200 200 200 200",
    "main.switch_locale":               "R   R   R   R   R   R   R   R   R",
    "main.readyz":                      "200 200 200 200 200 200 200 200 200",
    "auth.login":                       "200 H   H   H   H   H   H   H   H",
    "auth.change_password":             "L   200 200 200 200 200 200 200 200",
    "auth.user_list":                   "L   403 403 403 403 403 403 403 200",
    "auth.user_create":                 "L   403 403 403 403 403 403 403 200",
    "auth.user_detail":                 "L   403 403 403 403 403 403 403 200",
    "orgs.org_list":                    "L   403 403 403 403 403 403 403 200",
    "orgs.org_create":                  "L   403 403 403 403 403 403 403 200",
    "orgs.org_detail":                  "L   403 403 403 403 403 403 403 200",
    "production.licence_list":          "L   200 200 200 200 200 200 200 200",
    "production.licence_create":        "L   403 403 403 403 403 403 403 200",
    "production.licence_detail":        "L   200 404 200 200 200 200 404 200",
    "production.licence_edit":          "L   403 403 403 403 403 403 403 200",
    "production.scope_change_request":  "L   403 404 200 403 403 403 404 403",
    "production.scope_change_list":     "L   200 200 200 200 200 200 200 200",
    "production.no_commission_list":    "L   200 200 200 200 200 200 200 200",
    "registrations.device_list":        "L   200 200 403 403 403 403 403 403",
    "registrations.device_create":      "L   200 200 403 403 403 403 403 403",
    "registrations.device_detail":      "L   200 404 404 404 404 404 404 404",
    "registrations.application_list":   "L   200 200 403 200 200 200 200 403",
    "registrations.application_detail": "L   200 404 404 200 200 404 404 404",
    "registrations.download":           "L   200 404 404 200 200 404 404 404",
    "review.queue":                     "L   403 403 403 200 200 200 200 403",
    "certificates.certificate_list":    "L   200 200 200 200 200 200 200 200",
    "certificates.certificate_detail":  "L   200 404 200 200 200 200 404 200",
    "certificates.certificate_print":   "L   200 404 200 200 200 200 404 200",
    "certificates.change_document":     "L   200 404 200 200 200 200 404 200",
    "certificates.certificate_apply":   "L   200 404 403 403 403 403 404 403",
    "certificates.registry":            "200 200 200 200 200 200 200 200 200",
    "certificates.verify":              "200 200 200 200 200 200 200 200 200",
    "certificates.verify_qr":           "200 200 200 200 200 200 200 200 200",
    "certificates.verify_lookup":       "200 200 200 200 200 200 200 200 200",
    "arrangements.arrangement_list":    "L   200 200 200 200 200 200 200 403",
    "arrangements.propose":             "L   200 200 403 403 403 403 403 403",
    "arrangements.detail":              "L   200 404 200 200 200 200 404 404",
    "arrangements.agreement":           "L   200 404 200 200 200 200 404 404",
    "arrangements.supervision":         "L   403 403 403 200 200 200 200 403",
    "arrangements.notice_list":         "L   403 403 403 200 200 200 200 403",
    "reports.self_inspection":          "L   200 200 200 403 403 403 403 403",
    "reports.self_inspection_file":     "L   200 404 404 200 200 404 404 404",
    "reports.self_inspection_overview": "L   403 403 403 200 200 200 200 403",
    "reports.products":                 "L   403 200 200 200 200 200 200 403",
    "workdays.calendar_index":          "L   403 403 403 403 403 403 403 200",
    "workdays.year_enter":              "L   403 403 403 403 403 403 403 200",
    "workdays.province_list":           "L   403 403 403 R   R   R   R   200",
    "workdays.province_detail":         "L   403 403 403 200 200 403 403 200",
    "api-docs.openapi_json":            "200 200 200 200 200 200 200 200 200",
    "api_public.certificate_search":    "200 200 200 200 200 200 200 200 200",
    "api_public.certificate_detail":    "200 200 200 200 200 200 200 200 200",
    "api_public.certificate_validity":  "200 200 200 200 200 200 200 200 200",
    "api_public.export_registry":       "200 200 200 200 200 200 200 200 200",
    "api_public.export_jsonl":          "200 200 200 200 200 200 200 200 200",
    "api_public.export_csv":            "200 200 200 200 200 200 200 200 200",
    "api_public.export_checksums":      "200 200 200 200 200 200 200 200 200",
    # a session cookie alone never authenticates the API (the tokens: API_TOKEN below)
    "api_own.me":                       "401 401 401 401 401 401 401 401 401",
    "api_own.my_devices":               "401 401 401 401 401 401 401 401 401",
    "api_own.my_applications":          "401 401 401 401 401 401 401 401 401",
    "api_own.my_application":           "401 401 401 401 401 401 401 401 401",
    "api_own.my_certificates":          "401 401 401 401 401 401 401 401 401",
    "api_own.my_arrangements":          "401 401 401 401 401 401 401 401 401",
    "api_own.queues":                   "401 401 401 401 401 401 401 401 401",
    "api_own.queue":                    "401 401 401 401 401 401 401 401 401",
    "api_tokens.tokens":                "L   200 200 200 200 200 200 200 403",
    "transfer.import_upload":           "L   403 403 403 403 403 403 403 200",
    "transfer.import_template":         "L   403 403 403 403 403 403 403 200",
    "transfer.counters":                "L   403 403 403 403 403 403 403 200",
    "transfer.registry_export":         "200 200 200 200 200 200 200 200 200",
    "transfer.applications_export":     "L   200 200 403 200 200 200 200 403",
    "transfer.export/applications":     "L   200 200 403 200 200 200 200 403",
    "transfer.export/arrangements":     "L   200 200 200 200 200 200 200 403",
    "transfer.export/certificates":     "L   200 200 200 200 200 200 200 200",
    "transfer.export/devices":          "L   200 200 403 403 403 403 403 403",
    "transfer.export/licences":         "L   200 200 200 200 200 200 200 200",
    "transfer.export/organisations":    "L   403 403 403 403 403 403 403 200",
    "transfer.export/queue":            "L   403 403 403 200 200 200 200 403",
    "transfer.export/registry":         "200 200 200 200 200 200 200 200 200",
    "transfer.export/scope-changes":    "L   200 200 200 200 200 200 200 200",
    "transfer.export/supervision":      "L   403 403 403 200 200 200 200 403",
    "transfer.export/users":            "L   403 403 403 403 403 403 403 200",
    # the two provinces' reviewers; opening is the other province's read receipt
    "arrangements.notice":              "L   404 404 404 200 200 200 404 404",
    "arrangements.notice_attachment":   "L   404 404 404 200 200 200 404 404",
    "notifications.inbox":              "L   200 200 200 200 200 200 200 200",
    # another's item answers 404: its existence never leaks
    "notifications.inbox_item":         "L   200 404 404 404 404 404 404 404",
    "notifications.preferences":        "L   200 200 200 200 200 200 200 200",
    # a document is visible exactly to who may see its application (here: an accepted one)
    "documents.download":               "L   200 404 404 200 200 404 404 404",
    "documents.verify":                 "200 200 200 200 200 200 200 200 200",
    "documents.seals":                  "L   403 403 403 403 403 403 403 200",
    "documents.seal_image":             "L   403 403 403 403 403 403 403 200",
}

# GET of the records a withdrawn and a declined proposal point at: holder A's side (and its
# Hebei reviewers) no longer sees the manufacturer's licence, the manufacturer's side no longer
# sees holder A's certificate; the arrangement itself stays the parties' record.
#                                        anon hA  hB  mkr rev apr rJS rBJ adm
DEAD = {
    "production.licence_detail@withdrawn":  # an Anhui / Zhejiang licence: not Jiangsu's
                                        "L   404 404 200 404 404 404 404 200",
    "production.licence_detail@declined":  # an Anhui / Zhejiang licence: not Jiangsu's
                                        "L   404 404 200 404 404 404 404 200",
    "certificates.certificate_detail@dead":
                                        "L   200 404 404 200 200 404 404 200",
    # the certificate's sheet: visible exactly to who may see the certificate
    "documents.download@certificate":   "L   200 404 200 200 200 200 404 200",
    "arrangements.detail@withdrawn":    "L   200 404 200 200 200 404 404 404",
    "arrangements.detail@declined":     "L   200 404 200 200 200 404 404 404",
}
DEAD_ARGS: dict[str, Callable[[World], dict[str, Any]]] = {
    "production.licence_detail@withdrawn": lambda w: {"licence_id": w.withdrawn_licence},
    "production.licence_detail@declined": lambda w: {"licence_id": w.declined_licence},
    "certificates.certificate_detail@dead": lambda w: {"certificate_id": w.dead_certificate},
    "documents.download@certificate": lambda w: {"document_id": w.certificate_sheet},
    "arrangements.detail@withdrawn": lambda w: {"arrangement_id": w.withdrawn_arrangement},
    "arrangements.detail@declined": lambda w: {"arrangement_id": w.declined_arrangement},
}

# POST with the CSRF token  (the allowed visitor's 200/400/409/422 is its empty form refused)
#                                        anon hA  hB  mkr rev apr rJS rBJ adm
POST = {
    "main.set_locale":                  "R   R   R   R   R   R   R   R   R",
    "auth.login":                       "200 H   H   H   H   H   H   H   H",
    "auth.logout":                      "L   R   R   R   R   R   R   R   R",
    "auth.change_password":             "L   200 200 200 200 200 200 200 200",
    "auth.user_create":                 "L   403 403 403 403 403 403 403 200",
    "auth.user_detail":                 "L   403 403 403 403 403 403 403 200",
    "auth.user_action/activate":        "L   403 403 403 403 403 403 403 R",
    "auth.user_action/deactivate":      "L   403 403 403 403 403 403 403 R",
    "auth.user_action/unlock":          "L   403 403 403 403 403 403 403 R",
    "auth.user_reset_password":         "L   403 403 403 403 403 403 403 R",
    "orgs.org_create":                  "L   403 403 403 403 403 403 403 200",
    "orgs.org_detail":                  "L   403 403 403 403 403 403 403 200",
    "production.licence_create":        "L   403 403 403 403 403 403 403 200",
    "production.licence_edit":          "L   403 403 403 403 403 403 403 200",
    "production.licence_add_site":      "L   403 403 403 403 403 403 403 R",
    "production.licence_renew":         "L   403 403 403 403 403 403 403 422",
    "production.no_commission_list":    "L   403 403 403 403 403 403 403 422",
    "production.no_commission_delete":  "L   403 403 403 403 403 403 403 R",
    "production.scope_change_request":  "L   403 404 200 403 403 403 404 403",
    "production.scope_change_decide":   "L   404 404 403 404 404 422 404 403",
    "registrations.device_create":      "L   200 200 403 403 403 403 403 403",
    "registrations.device_detail":      "L   200 404 404 404 404 404 404 404",
    "registrations.application_create": "L   400 404 404 404 404 404 404 404",
    "registrations.upload":             "L   400 404 404 404 404 404 404 404",
    "registrations.remove_file":        "L   R   404 404 404 404 404 404 404",
    "registrations.submit":             "L   400 404 404 404 404 404 404 404",
    "registrations.withdraw":           "L   422 404 404 403 403 404 404 404",
    "registrations.answer_supplement":  "L   400 404 404 403 403 404 404 404",
    "review.accept":                    "L   403 404 404 400 403 404 404 404",
    "review.request_correction":        "L   403 404 404 400 403 404 404 404",
    "review.refuse_acceptance":         "L   403 404 404 400 403 404 404 404",
    "review.assign":                    "L   403 404 404 400 403 404 404 404",
    "review.request_supplement":        "L   403 404 404 400 403 404 404 404",
    "review.record_qms":                "L   403 404 404 400 403 404 404 404",
    "review.start_qms":                 "L   403 404 404 409 403 404 404 404",
    "review.pause":                     "L   403 404 404 400 403 404 404 404",
    "review.resume":                    "L   403 404 404 409 403 404 404 404",
    "review.extend":                    "L   403 404 404 403 400 404 404 404",
    "review.resolve_objection":         "L   403 404 404 400 403 404 404 404",
    "registrations.object_to_opinion":  "L   400 404 404 403 403 404 404 404",
    "review.give_opinion":              "L   403 404 404 400 403 404 404 404",
    "review.decide":                    "L   403 404 404 403 400 404 404 404",
    "certificates.certificate_apply":   "L   200 404 403 403 403 403 404 403",
    "certificates.certificate_revoke":  "L   403 404 403 403 422 403 404 403",
    "arrangements.propose":             "L   200 200 403 403 403 403 403 403",
    "arrangements.act/confirm":         "L   403 404 400 403 403 403 404 404",
    "arrangements.act/decline":         "L   403 404 400 403 403 403 404 404",
    "arrangements.act/withdraw":        "L   409 404 403 403 403 403 404 404",
    "arrangements.act/end":             "L   400 404 400 403 403 403 404 404",
    "arrangements.act/suspend":         "L   403 404 403 403 400 400 404 404",
    "arrangements.act/lift":            "L   403 404 403 403 400 400 404 404",
    "arrangements.act/supervision":     "L   403 404 403 400 400 400 404 404",
    "arrangements.act/review":          "L   403 404 403 403 403 403 404 404",
    "arrangements.feedback":            "L   403 404 403 R   R   R   404 404",
    "reports.self_inspection":          "L   422 422 422 403 403 403 403 403",
    "workdays.year_enter":              "L   403 403 403 403 403 403 403 200",
    "workdays.limits_save":             "L   403 403 403 403 403 403 403 200",
    "workdays.holiday_add":             "L   403 403 403 403 403 403 403 200",
    "workdays.holiday_delete":          "L   403 403 403 403 403 403 403 R",
    "workdays.stream_save":             "L   403 403 403 403 403 403 403 200",
    "workdays.special_limit_save":      "L   403 403 403 403 403 403 403 200",
    "workdays.special_limit_delete":    "L   403 403 403 403 403 403 403 R",
    "registrations.request_stream":     "L   400 404 404 404 404 404 404 404",
    "api_tokens.tokens":                "L   422 422 422 422 422 422 422 403",
    "api_tokens.revoke":                "L   R   404 404 404 404 404 404 404",
    "transfer.import_upload":           "L   403 403 403 403 403 403 403 200",
    "transfer.import_confirm":          "L   403 403 403 403 403 403 403 400",
    "transfer.counters":                "L   403 403 403 403 403 403 403 200",
    "arrangements.write_notice":        "L   403 404 403 422 422 422 404 404",
    "arrangements.answer_notice":       "L   404 404 404 422 422 422 404 404",
    "notifications.mark/read":          "L   R   404 404 404 404 404 404 404",
    "notifications.mark/unread":        "L   R   404 404 404 404 404 404 404",
    "notifications.read_all":           "L   R   R   R   R   R   R   R   R",
    # the empty form lacks the language and the choices: refused, the page shown again
    "notifications.preferences":        "L   422 422 422 422 422 422 422 422",
    "documents.verify":                 "400 400 400 400 400 400 400 400 400",
    "documents.seals":                  "L   403 403 403 403 403 403 403 400",
}


# --- the machinery ----------------------------------------------------------------------------

def _expected(table: dict[str, str], key: str) -> dict[str, str]:
    cells = table[key].split()
    assert len(cells) == len(VISITORS), f"{key}: {len(cells)} columns, not {len(VISITORS)}"
    return dict(zip(VISITORS, cells, strict=True))


def _cases(table: dict[str, str]) -> Iterator[Any]:
    for key in table:
        for visitor, expected in _expected(table, key).items():
            yield pytest.param(key, visitor, expected, id=f"{key}-{visitor}")


def _post_only() -> list[str]:
    """Keys of routes without GET: POST table entries that are not GET table entries."""
    return [key for key in POST if key not in GET]


def _variants(rule: Any) -> list[tuple[str, dict[str, str]]]:
    """The table keys a rule needs: the endpoint, or one per value of an any() converter."""
    anys = [(name, conv) for name, conv in rule._converters.items()
            if isinstance(conv, AnyConverter)]
    if not anys:
        return [(rule.endpoint, {})]
    assert len(anys) == 1, f"{rule.rule}: more than one any() converter"
    name, conv = anys[0]
    return [(f"{rule.endpoint}/{value}", {name: value}) for value in sorted(conv.items)]


def test_every_route_is_classified(app: Flask) -> None:
    """Walk the URL map: every endpoint (and any() value) and method has its expectations,
    and the tables name no route that does not exist."""
    missing, needed = [], set()
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        unknown = methods - {"GET", "POST"}
        assert not unknown, f"{rule.rule}: methods {unknown} are not covered by the matrix"
        for key, _values in _variants(rule):
            needed.add(key)
            if key not in ARGS:
                missing.append(f"{key} ({rule.rule}): no URL arguments in ARGS")
            if "GET" in methods and key not in GET:
                missing.append(f"{key} ({rule.rule}) GET: not in the GET table")
            if "POST" in methods and key not in POST:
                missing.append(f"{key} ({rule.rule}) POST: not in the POST table")
            if "GET" not in methods and key in GET:
                missing.append(f"{key} ({rule.rule}): in the GET table but has no GET")
    assert not missing, "routes nobody classified:\n  " + "\n  ".join(missing)
    stale = (set(ARGS) | set(GET) | set(POST)) - needed
    assert not stale, f"the tables name routes that do not exist: {sorted(stale)}"


def url_of(key: str, world: World) -> str:
    return url_for(key.split("/", 1)[0], _external=False, **ARGS[key](world))


def audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


class Sessions:
    """One signed-in browser per visitor, reused across cases (signing in is the slow part);
    with the CSRF token of its session."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._cache: dict[str, tuple[FlaskClient, str]] = {}

    def open(self, visitor: str) -> tuple[FlaskClient, str]:
        client = self.app.test_client()
        email = VISITORS[visitor]
        if email is not None:
            login(client, email)
        page = client.get("/home" if email else "/login").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token for {visitor}"
        return client, match.group(1)

    def forget(self, visitor: str) -> None:
        self._cache.pop(visitor, None)

    def get(self, visitor: str) -> tuple[FlaskClient, str]:
        if visitor not in self._cache:
            self._cache[visitor] = self.open(visitor)
        return self._cache[visitor]


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """Overrides the suite's per-test cleanup for this module only: the records of ``world``
    live for the whole module (``world`` cleans up after the last case)."""
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        _empty_tables()
        built = build_world()
        db.session.remove()
    yield built
    with app.app_context():
        db.session.rollback()
        _empty_tables()
        db.session.remove()
    upload_dir = Path(app.config["UPLOAD_FOLDER"])
    for path in sorted(upload_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


@pytest.fixture(scope="module")
def sessions(app: Flask, world: World) -> Sessions:
    return Sessions(app)


def check(response: Any, expected: str, path: str, visitor: str, method: str) -> None:
    where = f"{method} {path} as {visitor}"
    body = response.get_data().decode("utf-8", "replace")  # downloads may be binary (XLSX)
    response.close()  # files are streamed: close them
    assert response.status_code < 500, f"{where}: {response.status_code}\n{body[:2000]}"
    assert "Traceback" not in body, where
    if expected in ("L", "H", "R"):
        assert response.status_code == 302, (
            f"{where}: expected a redirect ({expected}), got {response.status_code}\n"
            f"{body[:1500]}")
        target = urlsplit(response.location)
        if expected == "L":
            assert target.path == "/login", f"{where}: redirected to {response.location}"
            assert parse_qs(target.query).get("next") == [path], (
                f"{where}: next is not the page: {response.location}")
        elif expected == "H":
            assert target.path == "/home", f"{where}: redirected to {response.location}"
        else:  # done or refused with a message: never the sign-in page asking to come back
            assert not (target.path == "/login" and "next" in parse_qs(target.query)), (
                f"{where}: redirected to {response.location}")
            assert target.netloc in ("", "localhost"), f"{where}: {response.location}"
    else:
        assert response.status_code == int(expected), (
            f"{where}: expected {expected}, got {response.status_code}\n{body[:1500]}")


@pytest.mark.parametrize(("key", "visitor", "expected"), [
    *_cases(GET),
    *(pytest.param(key, visitor, "405", id=f"{key}-{visitor}")
      for key in _post_only() for visitor in VISITORS),
])
def test_get(sessions: Sessions, world: World, key: str, visitor: str, expected: str) -> None:
    client, _token = sessions.get(visitor)
    path = url_of(key, world)
    before = audit_count()
    response = client.get(path)
    check(response, expected, path, visitor, "GET")
    assert audit_count() == before, f"GET {path} as {visitor} changed something"


@pytest.mark.parametrize(("key", "visitor", "expected"), list(_cases(DEAD)))
def test_get_after_a_dead_relation(sessions: Sessions, world: World, key: str, visitor: str,
                                   expected: str) -> None:
    client, _token = sessions.get(visitor)
    path = url_for(key.split("@", 1)[0], _external=False, **DEAD_ARGS[key](world))
    response = client.get(path)
    body = response.get_data().decode("utf-8", "replace")
    check(response, expected, path, visitor, "GET")
    assert "扩大范围" not in body or visitor in ("maker", "reviewer_js", "admin"), (
        f"GET {path} as {visitor} shows the licence's scope-change requests")


@pytest.mark.parametrize(("key", "visitor", "expected"), list(_cases(POST)))
def test_post(sessions: Sessions, world: World, key: str, visitor: str, expected: str) -> None:
    # signing out ends every session of the account: that case gets a browser of its own
    client, token = (sessions.open(visitor) if key == "auth.logout"
                     else sessions.get(visitor))
    path = url_of(key, world)
    before = audit_count()
    response = client.post(path, data={"csrf_token": token})
    if key == "auth.logout":
        sessions.forget(visitor)  # its other browsers are signed out too
    check(response, expected, path, visitor, "POST")
    if expected != "R":
        assert audit_count() == before, f"POST {path} as {visitor} changed something"


@pytest.mark.parametrize(("key", "visitor"), [
    pytest.param(key, visitor, id=f"{key}-{visitor}") for key in POST for visitor in VISITORS])
def test_post_without_csrf_token(sessions: Sessions, world: World, key: str,
                                 visitor: str) -> None:
    client, _token = sessions.get(visitor)
    path = url_of(key, world)
    before = audit_count()
    response = client.post(path, data={})
    assert response.status_code == 400, (
        f"POST {path} as {visitor} without CSRF token: {response.status_code}")
    assert audit_count() == before, f"POST {path} as {visitor} without token changed something"


def test_signed_in_sessions_survive_the_matrix(sessions: Sessions) -> None:
    """The shared browsers were not signed out by a case (which would turn later 200s into
    sign-in redirects and hide a wrong expectation behind another)."""
    for visitor, email in VISITORS.items():
        if email is not None:
            client, _token = sessions.get(visitor)
            assert client.get("/home").status_code == 200, visitor



# --- the API with personal tokens -------------------------------------------------------------
# One column per kind of token: none, a made-up one, holder A's expired and revoked ones, then
# live tokens of holder A, holder B (another organisation), the manufacturer, the Hebei
# reviewer (read:queue only, then read:own only), the Hebei approver and the Beijing reviewer
# (another province; both with both scopes). 401: no live token; 403: the token lacks the
# scope; 404: a record the account may not see, or a queue its duties do not give.
TOKEN_KINDS = {
    "none": None,
    "made_up": "dvr_made-up-token",
    "expired": ("holder", ("read:own",)),
    "revoked": ("holder", ("read:own",)),
    "holder_a": ("holder", ("read:own",)),
    "holder_b": ("holder.bj", ("read:own",)),
    "maker": ("manufacturer", ("read:own",)),
    "reviewer_queue": ("reviewer", ("read:queue",)),
    "reviewer_own": ("reviewer", ("read:own",)),
    "approver": ("approver", ("read:own", "read:queue")),
    "reviewer_bj": (BEIJING_REVIEWER, ("read:own", "read:queue")),
}

#                                     none mad exp rvk hA  hB  mkr rQ  rO  apr rBJ
API_TOKEN = {
    "api_own.me":                     "401 401 401 401 200 200 200 200 200 200 200",
    "api_own.my_devices":             "401 401 401 401 200 200 200 403 200 200 200",
    "api_own.my_applications":        "401 401 401 401 200 200 200 403 200 200 200",
    "api_own.my_application":         "401 401 401 401 200 404 404 403 200 200 404",
    "api_own.my_certificates":        "401 401 401 401 200 200 200 403 200 200 200",
    "api_own.my_arrangements":        "401 401 401 401 200 200 200 403 200 200 200",
    "api_own.queues":                 "401 401 401 401 403 403 403 200 403 200 200",
    "api_own.queue":                  "401 401 401 401 403 403 403 200 403 404 200",
    "api_own.queue@decision":         "401 401 401 401 403 403 403 404 403 200 200",
}
API_TOKEN_ARGS = {**ARGS, "api_own.queue@decision": lambda w: {"stage": "decision"}}


@pytest.fixture(scope="module")
def api_tokens(app: Flask, world: World) -> dict[str, str | None]:
    from devreg.api.models import ApiToken
    from devreg.api.tokens import create_token, revoke_token

    built: dict[str, str | None] = {}
    with app.app_context(), acting_as(None, "test"):
        demo = Demo()
        # the POST cases' fresh tokens (fresh_api_token) would count against holder A's ten
        db.session.execute(update(ApiToken).where(ApiToken.prefix == "dvr_matrix")
                           .values(expires_on=china_today() - timedelta(days=1)))
        for kind, spec in TOKEN_KINDS.items():
            if spec is None or isinstance(spec, str):
                built[kind] = spec
                continue
            email, scopes = spec
            token, raw = create_token(demo.user(email), name=f"matrix {kind}",
                                      scopes=list(scopes), days=30, today=china_today())
            if kind == "revoked":
                revoke_token(token)
            if kind == "expired":
                db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(
                    expires_on=china_today() - timedelta(days=1)))
            built[kind] = raw
        db.session.commit()
        db.session.remove()
    return built


def test_the_token_table_covers_every_token_route(app: Flask) -> None:
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api_own.")}
    assert routes == {key.split("@", 1)[0] for key in API_TOKEN}


@pytest.mark.parametrize(("key", "kind", "expected"), [
    pytest.param(key, kind, expected, id=f"{key}-{kind}")
    for key, row in API_TOKEN.items()
    for kind, expected in zip(TOKEN_KINDS, row.split(), strict=True)])
def test_api_with_token(app: Flask, world: World, api_tokens: dict[str, str | None], key: str,
                        kind: str, expected: str) -> None:
    client = app.test_client()
    path = url_for(key.split("@", 1)[0], _external=False, **API_TOKEN_ARGS[key](world))
    raw = api_tokens[kind]
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    before = audit_count()
    response = client.get(path, headers=headers)
    assert response.status_code == int(expected), (
        f"GET {path} with {kind}: {response.status_code}\n{response.get_data(as_text=True)}")
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
    assert audit_count() == before, f"GET {path} with {kind} changed something"
