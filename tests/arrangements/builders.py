"""Builders for the arrangement tests: a world with the demo accounts and licences, production
sites on those licences, a third (Hebei) manufacturer, and arrangements brought to any state
through the real services, the way the views call them."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from devreg.arrangements import services as svc
from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement, ArrangementFile, Notice, SupervisionAction
from devreg.arrangements.states import ArrangementState
from devreg.auth.roles import Role
from devreg.auth.services import UserData, create_user
from devreg.certificates.models import Certificate
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.services import OrganisationData, create_organisation
from devreg.orgs.uscc import check_character
from devreg.production.models import ProductionLicence, ProductionSite
from devreg.production.services import LicenceData, add_site, create_licence
from devreg.registrations import services as registrations
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, Device
from tests.conftest import login, post
from tests.registrations.helpers import PDF, advance, make_device, path_to, upload_all

A = ArrangementState
PASSWORD = "devreg-demo"
ALL_CLAUSES = tuple(CLAUSES)

JS_LICENCE = "苏药监械生产许20210015号"  # Jiangsu manufacturer, scope 07, 14, 22
BJ_LICENCE = "京药监械生产许20200088号"  # the Beijing holder's own licence, scope 07, 09, 14
HB_LICENCE = "冀药监械生产许20230042号"  # a Hebei manufacturer made for these tests, 07 and 09
JS_SITE = "江苏省苏州市工业园区星湖街 218 号 2 号厂房"
BJ_SITE = "北京市大兴区生物医药基地天贵街 8 号"
HB_SITE = "河北省保定市高新区朝阳北大街 1288 号"
HOME_ADDRESS = "河北省石家庄市高新区天山大街 266 号"  # the Hebei holder's own address

#: a reviewer account of each demo province
REVIEWER_OF = {"13": "reviewer", "32": "reviewer.js", "11": "reviewer.bj"}
#: who may order a suspension in each province: the approve duty (Order 53 Art 56, issue 10)
APPROVER_OF = {"13": "approver", "32": "reviewer.js", "11": "approver.bj"}
HB_MAKER_EMAIL = "maker.hb@example.cn"
HB_MAKER_PASSWORD = "hebei-maker-pass-1"


def uscc(first17: str) -> str:
    return first17 + check_character(first17)


def version_on(client: FlaskClient, path: str) -> str | None:
    """The hidden ``version`` of the first action form on the page (None if none is offered)."""
    match = re.search(r'name="version" type="hidden" value="(\d+)"',
                      client.get(path).get_data(as_text=True))
    return match.group(1) if match else None


def notices(kind: str | None = None) -> list[tuple[str, int, str]]:
    query = select(Notice.province_code, Notice.arrangement_id, Notice.kind).order_by(
        Notice.province_code, Notice.id)
    if kind is not None:
        query = query.where(Notice.kind == kind)
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@dataclass
class World:
    app: Flask
    demo: Any
    js_licence: ProductionLicence
    bj_licence: ProductionLicence
    hb_licence: ProductionLicence
    js_site: ProductionSite
    bj_site: ProductionSite
    hb_site: ProductionSite

    # --- people ---------------------------------------------------------------------------

    def user(self, email: str):  # type: ignore[no-untyped-def]
        return self.demo.user(email)

    def client(self, email: str | None = None, password: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if email is not None:
            if password is None:
                password = HB_MAKER_PASSWORD if email == HB_MAKER_EMAIL else PASSWORD
            login(client, email, password)
        return client

    # --- devices --------------------------------------------------------------------------

    def device_in_application(self, *, holder: str = "holder", category: str = "07",
                              name: str = "电子血压计",
                              production_address: str = HOME_ADDRESS) -> Device:
        """A device whose initial application is submitted (no certificate yet)."""
        today = china_today()
        user = self.user(holder)
        device = make_device(self.demo, holder=holder, category=category, name=name)
        application = registrations.create_application(
            ApplicationKind.INITIAL, device, actor=user, today=today,
            production_address=production_address)
        upload_all(application, user)
        registrations.submit_application(application, actor=user, password=PASSWORD,
                                         declaration=True, today=today)
        db.session.commit()
        return device

    def initial_application(self, device: Device) -> Application:
        return db.session.scalar(select(Application).where(
            Application.device_id == device.id, Application.kind == ApplicationKind.INITIAL))

    def approve(self, device: Device) -> Certificate:
        """Take the device's submitted initial application to approval (the certificate)."""
        from devreg.registrations.states import ApplicationState as S

        application = self.initial_application(device)
        advance(application, path_to(ApplicationKind.INITIAL, S.APPROVED)[1:],
                today=china_today())
        db.session.refresh(application)
        assert application.certificate is not None
        return application.certificate

    def registered(self, *, holder: str = "holder", category: str = "07",
                   name: str = "电子血压计",
                   production_address: str = HOME_ADDRESS) -> tuple[Device, Certificate]:
        device = self.device_in_application(holder=holder, category=category, name=name,
                                            production_address=production_address)
        return device, self.approve(device)

    # --- arrangements ---------------------------------------------------------------------

    def propose(self, device: Device, site: ProductionSite, *, holder: str | None = None,
                planned_start: date | None = None, planned_end: date | None = None,
                clauses: tuple[str, ...] = ALL_CLAUSES,
                agreement: bytes | None = PDF, commission: bytes | None = PDF,
                agreement_until: date | None = None) -> Arrangement:
        actor = self.user(holder or self._holder_email(device))
        limit, _what = svc.agreement_limit(device, site)
        until = agreement_until or limit
        arrangement = svc.propose(
            svc.Proposal(device_id=device.id, site_id=site.id,
                         planned_start=planned_start or china_today(), planned_end=planned_end,
                         clauses=clauses, agreement_until=until, commission_until=until),
            actor=actor, agreement_name="质量协议.pdf" if agreement is not None else None,
            agreement_stream=io.BytesIO(agreement) if agreement is not None else None,
            commission_name="委托协议.pdf" if commission is not None else None,
            commission_stream=io.BytesIO(commission) if commission is not None else None)
        db.session.commit()
        return arrangement

    def _holder_email(self, device: Device) -> str:
        return "holder.bj" if device.holder_org_id == self.demo.org("holder_beijing").id \
            else "holder"

    def maker_of(self, arrangement: Arrangement) -> str:
        """The e-mail of a user who answers for the arrangement's manufacturer."""
        if arrangement.manufacturer_org_id == self.js_licence.organisation_id:
            return "manufacturer"
        if arrangement.manufacturer_org_id == self.bj_licence.organisation_id:
            return "holder.bj"
        return HB_MAKER_EMAIL

    def holder_of(self, arrangement: Arrangement) -> str:
        return self._holder_email(arrangement.device)

    def confirm(self, arrangement: Arrangement) -> None:
        svc.confirm(arrangement, actor=self.user(self.maker_of(arrangement)),
                    password=self.password_of(self.maker_of(arrangement)), today=china_today())
        db.session.commit()

    def password_of(self, email: str) -> str:
        return HB_MAKER_PASSWORD if email == HB_MAKER_EMAIL else PASSWORD

    def suspend(self, arrangement: Arrangement, reviewer: str | None = None) -> None:
        """Suspended by an approver of the site's province unless told."""
        reviewer = reviewer or APPROVER_OF[arrangement.site_province_code]
        svc.suspend(arrangement, actor=self.user(reviewer), password=PASSWORD,
                    reason="飞行检查发现洁净区压差不符合要求", today=china_today())
        db.session.commit()

    def arrangement_in(self, state: A, *, site: ProductionSite | None = None,
                       holder: str = "holder", category: str = "07") -> Arrangement:
        """A Hebei holder's arrangement (at the Jiangsu site unless told) in ``state``.

        Active is reached the real way: the device's certificate lists the site's address, so
        confirmation activates it at once."""
        site = site or self.js_site
        production_address = site.address if state in (A.ACTIVE, A.SUSPENDED) else HOME_ADDRESS
        if state in (A.ACTIVE, A.SUSPENDED):
            device, _certificate = self.registered(holder=holder, category=category,
                                                   production_address=production_address)
        else:
            device = self.device_in_application(holder=holder, category=category)
        arrangement = self.propose(device, site)
        if state is A.WITHDRAWN:
            svc.withdraw(arrangement, actor=self.user(holder))
        elif state is A.DECLINED:
            svc.decline(arrangement, actor=self.user(self.maker_of(arrangement)),
                        reason="产能不足")
        elif state is not A.PROPOSED:
            self.confirm(arrangement)
            if state is A.SUSPENDED:
                self.suspend(arrangement)
            elif state is A.ENDED:
                svc.end(arrangement, actor=self.user(holder), end_date=china_today(),
                        reason="合同到期")
        db.session.commit()
        db.session.refresh(arrangement)
        assert arrangement.state == state.value, (arrangement.state, state)
        return arrangement


@pytest.fixture
def world(app: Flask, demo) -> World:  # type: ignore[no-untyped-def]
    """The demo accounts and licences; one site on each licence; a Hebei manufacturer (its own
    licence, site and user account)."""
    js_licence = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.number == JS_LICENCE))
    bj_licence = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.number == BJ_LICENCE))
    hb_maker = create_organisation(OrganisationData(
        name_zh="保定康泰医疗器械制造有限公司", name_en="Baoding Kangtai Medical Manufacturing",
        uscc=uscc("91130600MA0HBM004"), province_code="13",
        address="河北省保定市高新区朝阳北大街 1288 号", is_holder=False, is_manufacturer=True,
        is_regulator=False))
    hb_licence = create_licence(LicenceData(
        number=HB_LICENCE, organisation_id=hb_maker.id,
        valid_until=china_today() + timedelta(days=3 * 365), scope_codes=("07", "09")))
    create_user(UserData(email=HB_MAKER_EMAIL, display_name="赵工 Zhao", role=Role.MANUFACTURER,
                         organisation_id=hb_maker.id), password=HB_MAKER_PASSWORD, temporary=False)
    world = World(app=app, demo=demo, js_licence=js_licence, bj_licence=bj_licence,
                  hb_licence=hb_licence, js_site=add_site(js_licence, JS_SITE),
                  bj_site=add_site(bj_licence, BJ_SITE), hb_site=add_site(hb_licence, HB_SITE))
    db.session.commit()
    return world


def act(client: FlaskClient, arrangement: Arrangement, name: str,
        data: dict[str, Any] | None = None, *, version: str | int | None = None):  # type: ignore[no-untyped-def]
    """POST an action as the page's form does: CSRF token and the hidden version (the
    arrangement's current one unless told)."""
    payload = dict(data or {})
    if name != "supervision":
        payload.setdefault("version", str(arrangement.version if version is None else version))
    return post(client, f"/arrangements/{arrangement.id}/{name}", payload, token_from="/home")


#: a valid form for each web action
FORM_DATA: dict[str, dict[str, str]] = {
    "confirm": {"signature_password": PASSWORD},
    "decline": {"reason": "产能不足，无法承接"},
    "withdraw": {},
    "end": {"reason": "合同到期", "end_date": "2099-01-01"},
    "suspend": {"reason": "洁净区压差不符合要求", "signature_password": PASSWORD},
    "lift": {"reason": "整改完成，复查合格", "signature_password": PASSWORD},
    "supervision": {"kind": "inspection", "action_date": "2026-11-20",
                    "result": "deficiencies", "findings": "批生产记录不完整"},
}

__all__ = [
    "ALL_CLAUSES",
    "FORM_DATA",
    "PASSWORD",
    "A",
    "Arrangement",
    "ArrangementFile",
    "SupervisionAction",
    "World",
    "act",
    "count",
    "notices",
    "version_on",
]
