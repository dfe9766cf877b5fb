"""Demo production arrangements (issue 4), built through the real services after the
registration scenarios, so the certificates exist:

- the Hebei holder's surgical masks made by the Jiangsu manufacturer: active, cross-regional
  (proposed, confirmed, and the change filing that put the site on the certificate filed);
- the Beijing holder manufacturing its TDP therapy device itself: active;
- a Hebei proposal to the Jiangsu manufacturer that it declined;
- a Hebei proposal to the Beijing manufacturer waiting, because the Beijing licence does not
  cover subcategory 08, with a pending scope-change request;
- the Hebei blood pressure monitor made in Jiangsu, suspended by the Jiangsu reviewer;
- the Hebei CRP reagent made in Jiangsu: active.

The Hebei certificates were issued naming the Jiangsu factory already, so confirming activates
the arrangement at once and its production-address record links to it: the certificate shows
the address once, with （委托生产） and the manufacturer in the remarks (2024-38 §13).

Idempotent: a scenario whose device already has an arrangement at that site is skipped."""

from __future__ import annotations

import io

from sqlalchemy import select

from devreg.arrangements import services as arrangements
from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence, ProductionSite
from devreg.production.services import add_site, request_scope_change
from devreg.registrations import services as registrations
from devreg.registrations.models import Application, Device

JIANGSU_SITE = "江苏省苏州市工业园区星湖街 218 号"
BEIJING_SITE = "北京市海淀区中关村南大街 12 号"
CRP_NAME = "C反应蛋白（CRP）测定试剂盒（胶乳增强免疫比浊法）"
PDF = b"%PDF-1.4\n% devreg demo quality agreement\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _site(number: str, address: str) -> ProductionSite:
    licence = db.session.scalar(select(ProductionLicence).where(ProductionLicence.number == number))
    existing = next((s for s in licence.sites if s.address == address), None)  # type: ignore[union-attr]
    return existing or add_site(licence, address)  # type: ignore[arg-type]


def _device(holder: Organisation, name: str) -> Device | None:
    return db.session.scalar(select(Device).where(Device.holder_org_id == holder.id,
                                                  Device.name == name))


def _propose(device: Device, site: ProductionSite, user: User) -> Arrangement | None:
    if db.session.scalar(select(Arrangement.id).where(Arrangement.device_id == device.id,
                                                      Arrangement.site_id == site.id)):
        return None
    commissioned = site.licence.organisation_id != device.holder_org_id
    # both agreements run to the last day the certificate and the licence allow (2024-38 §4)
    until, _what = arrangements.agreement_limit(device, site)
    with acting_as(user.id, user.email):
        return arrangements.propose(
            arrangements.Proposal(device_id=device.id, site_id=site.id,
                                  planned_start=china_today(), planned_end=None,
                                  clauses=tuple(CLAUSES) if commissioned else (),
                                  agreement_until=until if commissioned else None,
                                  commission_until=until if commissioned else None),
            actor=user, agreement_name="质量协议.pdf" if commissioned else None,
            agreement_stream=io.BytesIO(PDF) if commissioned else None,
            commission_name="委托协议.pdf" if commissioned else None,
            commission_stream=io.BytesIO(PDF) if commissioned else None)


def _confirm_and_file(arrangement: Arrangement, maker: User, holder: User,
                      password: str) -> None:
    today = china_today()
    with acting_as(maker.id, maker.email):
        arrangements.confirm(arrangement, actor=maker, password=password, today=today)
    if arrangement.change_filing_id is None:
        return
    filing = db.session.get(Application, arrangement.change_filing_id)
    with acting_as(holder.id, holder.email):
        for chapter in ("form", "certificate", "change"):
            registrations.add_dossier_file(filing, chapter, filename=f"{chapter}.pdf",  # type: ignore[arg-type]
                                           stream=io.BytesIO(PDF), actor=holder)
        registrations.submit_application(filing, actor=holder, password=password,  # type: ignore[arg-type]
                                         declaration=True, today=today)


def load_arrangements(orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    from devreg.demo.loader import DEMO_PASSWORD

    hebei, beijing = orgs["holder_hebei"], orgs["holder_beijing"]
    holder, holder_bj = users["holder@demo.devreg"], users["holder.bj@demo.devreg"]
    maker, js_reviewer = users["manufacturer@demo.devreg"], users["reviewer.js@demo.devreg"]
    jiangsu_site = _site("苏药监械生产许20210015号", JIANGSU_SITE)
    beijing_site = _site("京药监械生产许20200088号", BEIJING_SITE)
    today = china_today()

    masks = _device(hebei, "医用外科口罩")
    if masks and (arrangement := _propose(masks, jiangsu_site, holder)):
        _confirm_and_file(arrangement, maker, holder, DEMO_PASSWORD)

    tdp = _device(beijing, "特定电磁波治疗器")
    if tdp and (arrangement := _propose(tdp, beijing_site, holder_bj)):
        _confirm_and_file(arrangement, holder_bj, holder_bj, DEMO_PASSWORD)

    infusion = _device(hebei, "一次性使用输液器")
    if infusion and (arrangement := _propose(infusion, jiangsu_site, holder)):
        with acting_as(maker.id, maker.email):
            arrangements.decline(arrangement, actor=maker,
                                 reason="现有洁净车间产能已满，本年度无法承接。")

    nebuliser = _device(hebei, "医用雾化器")
    if nebuliser and _propose(nebuliser, beijing_site, holder):
        with acting_as(holder_bj.id, holder_bj.email):
            request_scope_change(beijing_site.licence, actor=holder_bj, codes=["08"],
                                 new_site_address=None,
                                 reason="拟受托生产河北注册人的医用雾化器（08 类）。")

    monitor = _device(hebei, "臂式电子血压计")
    if monitor and (arrangement := _propose(monitor, jiangsu_site, holder)):
        _confirm_and_file(arrangement, maker, holder, DEMO_PASSWORD)
        with acting_as(js_reviewer.id, js_reviewer.email):
            arrangements.suspend(arrangement, actor=js_reviewer, password=DEMO_PASSWORD,
                                 reason="飞行检查发现灭菌记录不完整，暂停受托生产，限期整改。",
                                 today=today)

    crp = _device(hebei, CRP_NAME)
    if crp and (arrangement := _propose(crp, jiangsu_site, holder)):
        _confirm_and_file(arrangement, maker, holder, DEMO_PASSWORD)
    db.session.flush()
