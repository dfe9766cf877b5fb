"""Builders for registration tests: drive the real services the way the views do, and submit
the real forms the way a browser does."""

from __future__ import annotations

import html
import io
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.orgs.uscc import check_character
from devreg.registrations import services as svc
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from devreg.registrations.states import TRANSITIONS, ApplicationState
from devreg.review import services as review
from devreg.workflow import apply_transition
from tests.conftest import login, post

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = "devreg-demo"
#: a Monday of 2026, a year chinese_calendar knows
D = date(2026, 3, 2)

K = ApplicationKind
S = ApplicationState
ALL_KINDS = tuple(K)
REVIEWED_KINDS = (K.INITIAL, K.CHANGE, K.RENEWAL)
#: kinds that go through acceptance (all but the change filing, which takes effect on filing)
ACCEPTED_KINDS = (K.INITIAL, K.CHANGE, K.RENEWAL, K.CANCELLATION)

_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


# --- accounts --------------------------------------------------------------------------------

# The demo organisations and accounts as the demo loader defines them (copied, so that these
# tests do not depend on the demo dataset): key -> (Chinese name, English name, credit code
# without check character, province, address, kinds)
ORGANISATIONS = {
    "reg_hebei": ("河北省药品监督管理局", "Hebei Medical Products Administration",
                  "11130000MB0000001", "13", "河北省石家庄市长安区中山东路 96 号", {"regulator"}),
    "reg_jiangsu": ("江苏省药品监督管理局", "Jiangsu Medical Products Administration",
                    "11320000MB0000002", "32", "江苏省南京市鼓楼区北京西路 6 号", {"regulator"}),
    "reg_beijing": ("北京市药品监督管理局", "Beijing Medical Products Administration",
                    "11110000MB0000003", "11", "北京市通州区通惠南路 25 号", {"regulator"}),
    "holder_hebei": ("石家庄康联医疗科技有限公司",
                     "Shijiazhuang Kanglian Medical Technology Co., Ltd.",
                     "91130100MA0CKL001", "13", "河北省石家庄市高新区天山大街 266 号",
                     {"holder"}),
    "holder_beijing": ("北京华康医疗器械有限公司", "Beijing Huakang Medical Devices Co., Ltd.",
                       "91110108MA00HK002", "11", "北京市海淀区中关村南大街 12 号",
                       {"holder", "manufacturer"}),
    "maker_jiangsu": ("苏州精工医疗器械制造有限公司",
                      "Suzhou Jinggong Medical Manufacturing Co., Ltd.",
                      "91320594MA1NJX003", "32", "江苏省苏州市工业园区星湖街 218 号",
                      {"manufacturer"}),
}
# email -> (printed name, role, organisation key, duties)
ACCOUNTS = {
    "admin@demo.devreg": ("系统管理员 Admin", "admin", None, ()),
    "holder@demo.devreg": ("张伟 Zhang Wei", "holder", "holder_hebei", ()),
    "holder.bj@demo.devreg": ("李娜 Li Na", "holder", "holder_beijing", ()),
    "manufacturer@demo.devreg": ("王强 Wang Qiang", "manufacturer", "maker_jiangsu", ()),
    "reviewer@demo.devreg": ("刘洋 Liu Yang", "reviewer", "reg_hebei", ("accept", "review")),
    "approver@demo.devreg": ("陈静 Chen Jing", "reviewer", "reg_hebei", ("approve",)),
    "reviewer.js@demo.devreg": ("赵敏 Zhao Min", "reviewer", "reg_jiangsu",
                                ("accept", "review", "approve")),
}


def _uscc(first17: str) -> str:
    return first17 + check_character(first17)


class Accounts:
    """Look up the accounts and organisations by their short names."""

    def user(self, email: str) -> User:
        email = email if "@" in email else f"{email}@demo.devreg"
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        return user

    def org(self, key: str) -> Organisation:
        org = db.session.scalar(select(Organisation).where(
            Organisation.uscc == _uscc(ORGANISATIONS[key][2])))
        assert org is not None, key
        return org


Demo = Accounts


def load_accounts() -> Accounts:
    """The demo organisations and accounts, nothing else."""
    with acting_as(None, "test"):
        orgs: dict[str, Organisation] = {}
        for key, (name_zh, name_en, code17, province, address, kinds) in ORGANISATIONS.items():
            orgs[key] = Organisation(
                name_zh=name_zh, name_en=name_en, uscc=_uscc(code17), province_code=province,
                address=address, is_holder="holder" in kinds,
                is_manufacturer="manufacturer" in kinds, is_regulator="regulator" in kinds)
            db.session.add(orgs[key])
        db.session.flush()
        password_hash = _FAST_HASHER.hash(PASSWORD)
        for email, (name, role, org_key, duties) in ACCOUNTS.items():
            db.session.add(User(
                email=email, display_name=name, role=role, password_hash=password_hash,
                organisation_id=orgs[org_key].id if org_key else None,
                has_accept_duty="accept" in duties, has_review_duty="review" in duties,
                has_approve_duty="approve" in duties))
        db.session.flush()
    db.session.commit()
    return Accounts()


def make_reviewer(demo: Demo, email: str, *, org: str = "reg_hebei",
                  duties: tuple[str, ...] = ("review",)) -> User:
    """Another reviewer account (password devreg-demo) of a regulator."""
    user = User(email=email, display_name=email.split("@")[0], role="reviewer",
                password_hash=_FAST_HASHER.hash(PASSWORD),
                organisation_id=demo.org(org).id,
                has_accept_duty="accept" in duties, has_review_duty="review" in duties,
                has_approve_duty="approve" in duties)
    with acting_as(None, "test"):
        db.session.add(user)
        db.session.commit()
    return user


# --- devices, applications, certificates -----------------------------------------------------

def make_device(demo, *, holder="holder", name="电子血压计", category="07", ivd=False):  # type: ignore[no-untyped-def]
    user = demo.user(holder)
    return svc.create_device(svc.DeviceData(
        name=name, model_spec="BP-100, BP-200", structure="主机、袖带", intended_use="测量血压",
        device_class="2", category_code="40" if ivd else category, is_ivd_reagent=ivd),
        holder_org_id=user.organisation_id)


def upload_all(application, user) -> None:  # type: ignore[no-untyped-def]
    for chapter in application.checklist:
        if chapter.required:
            svc.add_dossier_file(application, chapter.code, filename=f"{chapter.code}.pdf",
                                 stream=io.BytesIO(PDF), actor=user)


def submitted_application(demo, *, today: date, holder="holder", **device_kwargs):  # type: ignore[no-untyped-def]
    user = demo.user(holder)
    device = make_device(demo, holder=holder, **device_kwargs)
    application = svc.create_application(ApplicationKind.INITIAL, device, actor=user,
                                         today=today, production_address="河北省石家庄市")
    upload_all(application, user)
    svc.submit_application(application, actor=user, password="devreg-demo", declaration=True,
                           today=today)
    db.session.commit()
    return application


#: what each kind of certificate application asks for
CHANGED_ITEMS = {
    K.CHANGE: {"model_spec": "BP-100, BP-200, BP-300"},
    K.CHANGE_FILING: {"holder_address": "河北省石家庄市新华区友谊北大街 1 号"},
}
DESCRIPTIONS = {
    K.CHANGE: "增加型号 BP-300",
    K.CHANGE_FILING: "注册人住所变更",
    K.RENEWAL: "产品无变化，申请延续注册",
    K.CANCELLATION: "产品停产，申请注销",
}

#: the events that bring a fresh draft to each state, per kind
_TO_STATE = {
    S.DRAFT: (),
    S.SUBMITTED: ("submit",),
    S.CORRECTION_REQUESTED: ("submit", "request_correction"),
    S.NOT_ACCEPTED: ("submit", "refuse_acceptance"),
    S.ACCEPTED: ("submit", "accept"),
    S.IN_REVIEW: ("submit", "accept", "assign"),
    S.SUPPLEMENT_REQUESTED: ("submit", "accept", "assign", "request_supplement"),
    S.REVIEW_DONE: ("submit", "accept", "assign", "qms", "give_opinion"),
    S.OBJECTION: ("submit", "accept", "assign", "qms", "give_negative_opinion", "object"),
    S.APPROVED: ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
    S.REFUSED: ("submit", "accept", "assign", "qms", "give_opinion", "refuse"),
    S.TERMINATED: ("submit", "accept", "assign", "request_supplement", "terminate"),
    S.WITHDRAWN: ("withdraw",),
    S.FILED: ("file",),
}
_NO_REVIEW = {S.APPROVED: ("submit", "accept", "approve"),
              S.REFUSED: ("submit", "accept", "refuse")}


def path_to(kind: K, state: S) -> tuple[str, ...] | None:
    """The events from draft to ``state`` for ``kind``; None when the kind never gets there."""
    if kind is K.CHANGE_FILING:
        return _TO_STATE[state] if state in (S.DRAFT, S.FILED, S.WITHDRAWN) else None
    if state is S.FILED:
        return None
    if kind is K.CANCELLATION:
        if state in (S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, S.REVIEW_DONE, S.OBJECTION,
                     S.TERMINATED):
            return None
        return _NO_REVIEW.get(state, _TO_STATE[state])
    return _TO_STATE[state]


#: who takes each event: the holder, a reviewer with a duty, or the sweep (None)
EVENT_DUTY = {
    "submit": "holder", "resubmit": "holder", "file": "holder", "withdraw": "holder",
    "answer_supplement": "holder",
    "accept": "accept", "request_correction": "accept", "refuse_acceptance": "accept",
    "assign": "review", "request_supplement": "review", "qms": "review",
    "give_opinion": "review", "give_negative_opinion": "review",
    "object": "holder", "resolve_objection": "review",
    "approve": "approve", "refuse": "approve",
    "deem_accepted": None, "terminate": None, "deem_renewed": None,
}


def holder_of(application: Application) -> User:
    return db.session.scalar(select(User).where(
        User.organisation_id == application.holder_org_id, User.role == "holder")
        .order_by(User.id))


def right_actor(event: str, application: Application) -> User | None:
    """The user who may take ``event`` on ``application``."""
    duty = EVENT_DUTY[event]
    if duty is None:
        return None
    if duty == "holder":
        return holder_of(application)
    if duty == "review" and event != "assign" and application.assigned_reviewer_id:
        return application.assigned_reviewer
    reviewers = db.session.scalars(
        select(User).join(Organisation, User.organisation_id == Organisation.id).where(
            User.role == "reviewer", Organisation.province_code == application.province_code,
            getattr(User, f"has_{duty}_duty")).order_by(User.id))
    # four eyes: the decision is never taken by the author of the review opinion
    return next(u for u in reviewers
                if duty != "approve" or u.id != application.opinion_by_id)


def perform(event: str, application: Application, actor: User | None, *, today: date = D,
            **options: Any) -> Any:
    """Take ``event`` through the service the view calls (the sweep's edges directly)."""
    if event in ("submit", "resubmit", "file"):
        return svc.submit_application(application, actor=actor, password=PASSWORD,
                                      declaration=True, today=today)
    if event == "withdraw":
        return svc.withdraw_application(application, actor=actor, today=today,
                                        reason=options.get("reason", "产品设计调整，撤回申请"))
    if event == "object":
        return svc.object_to_opinion(application, actor=actor, password=PASSWORD,
                                     text=options.get("text", "检验报告已覆盖全部型号，请复核"),
                                     today=today)
    if event == "resolve_objection":
        return review.resolve_objection(application, actor=actor, password=PASSWORD,
                                        outcome=options.get("outcome", "maintained"),
                                        text="经综合评估，维持原审评结论", today=today)
    if event == "answer_supplement":
        return svc.answer_supplement(application, actor=actor, password=PASSWORD,
                                     answer=options.get("answer", "已按通知补充全部资料"),
                                     today=today)
    if event == "accept":
        return review.accept(application, actor=actor, password=PASSWORD, today=today)
    if event == "request_correction":
        return review.request_correction(application, actor=actor, password=PASSWORD,
                                         items="1. 申请表缺少签章\n2. 补充产品照片", today=today)
    if event == "refuse_acceptance":
        return review.refuse_acceptance(application, actor=actor, password=PASSWORD,
                                        reasons="不属于第二类医疗器械", today=today)
    if event == "assign":
        reviewer = options.get("reviewer") or right_actor("request_supplement", application)
        return review.assign_reviewer(application, actor=actor, reviewer=reviewer, today=today)
    if event == "request_supplement":
        return review.request_supplement(application, actor=actor, password=PASSWORD,
                                         items="1. 补充电磁兼容检验报告", today=today)
    if event == "qms":
        return review.record_qms(application, actor=actor, result="pass", notes="",
                                 today=today)
    if event in ("give_opinion", "give_negative_opinion"):
        default = "refuse" if event == "give_negative_opinion" else "approve"
        return review.give_opinion(application, actor=actor, password=PASSWORD,
                                   recommendation=options.get("recommendation", default),
                                   text="符合要求" if default == "approve" else "不符合要求",
                                   today=today)
    if event in ("approve", "refuse"):
        return review.decide(application, actor=actor, password=PASSWORD,
                             approve=event == "approve",
                             reasons="" if event == "approve" else "不符合安全有效要求",
                             today=today)
    if event == "deem_accepted":
        return review.deem_accepted(application, today=today)
    if event in ("terminate", "deem_renewed"):  # what the sweep does for these edges
        apply_transition(application, event, actor, TRANSITIONS)
        application.closed_on = today
        if event == "terminate":
            application.terminated_on = today
        return None
    raise AssertionError(event)


def advance(application: Application, events: tuple[str, ...], *, today: date = D) -> None:
    for event in events:
        if event == "submit" and application.state == S.CORRECTION_REQUESTED:
            event = "resubmit"
        if event == "submit" and application.kind == K.CHANGE_FILING:
            event = "file"
        perform(event, application, right_actor(event, application), today=today)
        db.session.commit()


def new_draft(demo: Demo, kind: K = K.INITIAL, *, today: date = D, holder: str = "holder",
              certificate: Certificate | None = None, **device_kwargs: Any) -> Application:
    """A draft of ``kind`` with every required chapter uploaded; certificate applications get
    a fresh certificate unless one is given."""
    user = demo.user(holder)
    if kind is K.INITIAL:
        device = make_device(demo, holder=holder, **device_kwargs)
        application = svc.create_application(K.INITIAL, device, actor=user, today=today,
                                             production_address="河北省石家庄市高新区 1 号")
    else:
        certificate = certificate or certificate_for(demo, holder=holder, approved_on=today,
                                                     **device_kwargs)
        application = svc.create_application(
            kind, certificate.device, actor=user, certificate=certificate, today=today,
            change_description=DESCRIPTIONS[kind], changed_items=CHANGED_ITEMS.get(kind),
            changed_on=today if kind is K.CHANGE_FILING else None)
    upload_all(application, user)
    db.session.commit()
    return application


def application_in(demo: Demo, kind: K, state: S, *, today: date = D, holder: str = "holder",
                   certificate: Certificate | None = None, negative: bool = False,
                   **device_kwargs: Any) -> Application:
    """An application of ``kind`` brought to ``state`` through the real services (with a
    review opinion recommending refusal when ``negative``)."""
    events = path_to(kind, state)
    assert events is not None, f"{kind} never reaches {state}"
    if negative:
        events = tuple("give_negative_opinion" if e == "give_opinion" else e for e in events)
    application = new_draft(demo, kind, today=today, holder=holder, certificate=certificate,
                            **device_kwargs)
    advance(application, events, today=today)
    assert application.state == state
    return application


def certificate_for(demo: Demo, *, holder: str = "holder", approved_on: date = D,
                    **device_kwargs: Any) -> Certificate:
    """A certificate issued through the whole initial path, every step on ``approved_on``."""
    application = application_in(demo, K.INITIAL, S.APPROVED, today=approved_on, holder=holder,
                                 **device_kwargs)
    assert application.certificate is not None
    return application.certificate


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def files_on_disk(app: Flask) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the web, as a browser uses it -----------------------------------------------------------

def client_for(app: Flask, email: str | None = None, *, lang: str = "en") -> FlaskClient:
    """A browser in ``lang`` (signed in as ``email`` when given)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    if email is not None:
        login(client, email)
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The response body with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


class _FormParser(HTMLParser):
    def __init__(self, action: str, page: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.page = action, page
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and (a.get("action") or self.page) == self.action:
            self._current = {}
            self.forms.append(self._current)
            return
        if self._current is None or "name" not in a:
            if (self._current is not None and tag == "option" and self._select
                    and ("selected" in a or self._select not in self._current)):
                self._current[self._select] = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._current.setdefault(name, []).append(a.get("value", "on"))
            elif kind == "file":
                pass
            else:
                self._current.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._current.setdefault(name, []).append("")
        elif tag == "select":
            self._select = name

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea:
            self._current[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            if self._textarea and self._current is not None:
                # browsers drop the newline right after <textarea> (CR LF counts as one)
                value = self._current[self._textarea][-1].replace("\r\n", "\n")
                self._current[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "select":
            if self._select and self._current is not None and isinstance(
                    self._current.get(self._select), str):
                self._current[self._select] = [self._current[self._select]]
            self._select = None
        elif tag == "form":
            self._current = None


def form_on(page_html: str, action: str, page: str | None = None) -> dict[str, list[str]] | None:
    """The fields a browser would send from the form posting to ``action`` (None if absent);
    a form without an action posts to ``page``, the URL it was loaded from."""
    parser = _FormParser(action, page)
    parser.feed(page_html)
    return parser.forms[0] if parser.forms else None


def submit_form(client: FlaskClient, page: str, action: str, values: dict[str, Any] | None = None,
                **kwargs: Any):  # type: ignore[no-untyped-def]
    """Load ``page``, fill the form posting to ``action`` with ``values``, submit it."""
    body = client.get(page).get_data(as_text=True)
    fields = form_on(body, action, page)
    assert fields is not None, f"no form posting to {action} on {page}"
    data: dict[str, Any] = dict(fields)
    data.update(values or {})
    return client.post(action, data=data, **kwargs)


def app_path(application: Application) -> str:
    return f"/applications/{application.id}"


def post_action(client: FlaskClient, path: str, data: dict[str, Any],
                application: Application | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    """POST without the rendered form (a user to whom the form is not offered), with the
    session's CSRF token and the application's current version."""
    payload = dict(data)
    if application is not None:
        payload.setdefault("version", str(application.version))
    return post(client, path, payload, token_from=kwargs.pop("token_from", "/home"), **kwargs)


