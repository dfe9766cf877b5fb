"""Loads the demo organisations, accounts and licences. Idempotent: every row is found by its
natural key (credit code, email, licence number) before it is created, so a second run changes
nothing. Later domains append their own steps to DEMO_STEPS; steps that build whole scenarios
(devices, applications, certificates) are also listed in SCENARIO_STEPS, so that tests can load
the accounts without them (``load_demo(scenarios=False)``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from devreg.auth.models import User
from devreg.auth.passwords import hash_password
from devreg.demo.arrangements import load_arrangements
from devreg.demo.go_live import load_go_live
from devreg.demo.notifications import load_notifications
from devreg.demo.registrations import load_registrations
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.orgs.uscc import check_character
from devreg.production.models import ProductionLicence
from devreg.reference.models import CatalogueCategory

DEMO_PASSWORD = "devreg-demo"  # noqa: S105 - documented demo credential, demo loader only


def _uscc(first17: str) -> str:
    return first17 + check_character(first17)


# key -> (Chinese name, English name, credit code without check char, province, address, kinds)
ORGANISATIONS = {
    "reg_hebei": ("河北省药品监督管理局", "Hebei Medical Products Administration",
                  "11130000MB0000001", "13", "河北省石家庄市长安区中山东路 96 号", {"regulator"}),
    "reg_jiangsu": ("江苏省药品监督管理局", "Jiangsu Medical Products Administration",
                    "11320000MB0000002", "32", "江苏省南京市鼓楼区北京西路 6 号", {"regulator"}),
    "reg_beijing": ("北京市药品监督管理局", "Beijing Medical Products Administration",
                    "11110000MB0000003", "11", "北京市通州区通惠南路 25 号", {"regulator"}),
    "holder_hebei": ("石家庄康联医疗科技有限公司",
                     "Shijiazhuang Kanglian Medical Technology Co., Ltd.", "91130100MA0CKL001",
                     "13", "河北省石家庄市高新区天山大街 266 号", {"holder"}),
    "holder_beijing": ("北京华康医疗器械有限公司", "Beijing Huakang Medical Devices Co., Ltd.",
                       "91110108MA00HK002", "11", "北京市海淀区中关村南大街 12 号",
                       {"holder", "manufacturer"}),
    "maker_jiangsu": ("苏州精工医疗器械制造有限公司",
                      "Suzhou Jinggong Medical Manufacturing Co., Ltd.", "91320594MA1NJX003",
                      "32", "江苏省苏州市工业园区星湖街 218 号", {"manufacturer"}),
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
    # Beijing's regulator, so that the Beijing holder's demo applications can move; review and
    # approval stay with different people (four eyes), as in Hebei
    "reviewer.bj@demo.devreg": ("孙磊 Sun Lei", "reviewer", "reg_beijing", ("accept", "review")),
    "approver.bj@demo.devreg": ("周婷 Zhou Ting", "reviewer", "reg_beijing", ("approve",)),
}

# number -> (organisation key, valid until, scope codes)
LICENCES = {
    "苏药监械生产许20210015号": ("maker_jiangsu", date(2031, 3, 31), ("07", "14", "22", "40")),
    "京药监械生产许20200088号": ("holder_beijing", date(2030, 6, 30), ("07", "09", "14")),
}


def _organisations() -> dict[str, Organisation]:
    found = {}
    for key, (name_zh, name_en, code17, province, address, kinds) in ORGANISATIONS.items():
        uscc = _uscc(code17)
        org = db.session.scalar(select(Organisation).where(Organisation.uscc == uscc))
        if org is None:
            org = Organisation(
                name_zh=name_zh, name_en=name_en, uscc=uscc, province_code=province,
                address=address, is_holder="holder" in kinds,
                is_manufacturer="manufacturer" in kinds, is_regulator="regulator" in kinds,
            )
            db.session.add(org)
            db.session.flush()
        found[key] = org
    return found


def _accounts(orgs: dict[str, Organisation]) -> dict[str, User]:
    found = {}
    password_hash = None
    for email, (name, role, org_key, duties) in ACCOUNTS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            # the demo password is public: a light hash keeps the demo and tests fast
            password_hash = password_hash or hash_password(DEMO_PASSWORD, light=True)
            user = User(
                email=email, display_name=name, role=role, password_hash=password_hash,
                organisation_id=orgs[org_key].id if org_key else None,
                has_accept_duty="accept" in duties, has_review_duty="review" in duties,
                has_approve_duty="approve" in duties,
            )
            db.session.add(user)
            db.session.flush()
        found[email] = user
    return found


def _licences(orgs: dict[str, Organisation]) -> None:
    for number, (org_key, valid_until, scope) in LICENCES.items():
        exists = db.session.scalar(
            select(ProductionLicence).where(ProductionLicence.number == number))
        if exists is None:
            org = orgs[org_key]
            db.session.add(ProductionLicence(
                number=number, organisation_id=org.id, province_code=org.province_code,
                valid_until=valid_until,
                scope=list(db.session.scalars(
                    select(CatalogueCategory).where(CatalogueCategory.code.in_(scope)))),
            ))
    db.session.flush()


def _no_commission_list() -> None:
    """The 2022 No. 17 list, loaded as `flask no-commission-list` does."""
    from devreg.production.services import load_no_commission_list

    load_no_commission_list()


DemoStep = Callable[[dict[str, Organisation], dict[str, User]], None]
DEMO_STEPS: list[DemoStep] = [lambda orgs, users: _licences(orgs),
                              lambda orgs, users: _no_commission_list(), load_registrations,
                              load_arrangements, load_notifications, load_go_live]
#: the steps that add scenario data rather than organisations, accounts and licences
SCENARIO_STEPS: list[DemoStep] = [load_registrations, load_arrangements, load_notifications,
                                  load_go_live]


def load_demo(*, scenarios: bool = True) -> None:
    """Create whatever part of the demo is missing. The caller commits.

    ``scenarios=False`` leaves out the scenario steps: tests that build their own devices and
    applications need the accounts without serials and registry rows already taken."""
    orgs = _organisations()
    users = _accounts(orgs)
    for step in DEMO_STEPS:
        if scenarios or step not in SCENARIO_STEPS:
            step(orgs, users)
