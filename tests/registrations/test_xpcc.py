"""兵 (新疆生产建设兵团, the XPCC) issues Class II certificates beside the 31 provinces
(docs/rules.md §7): reference data, numbers 兵械注准…, licence numbers, and the choices offered."""

from __future__ import annotations

from datetime import date

from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.certificates.numbers import is_valid_certificate_number
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.orgs.uscc import check_character
from devreg.production.numbers import parse_licence_number
from devreg.reference.models import Province
from devreg.reference.queries import province_choices
from tests.registrations.helpers import _FAST_HASHER, certificate_for

XPCC = "66"


def _corps_accounts() -> None:
    """A Corps regulator with two reviewers holding every duty, and a holder in the Corps."""
    with acting_as(None, "test"):
        regulator = Organisation(
            name_zh="新疆生产建设兵团药品监督管理局",
            name_en="XPCC Medical Products Administration",
            uscc="11660000MB0000009" + check_character("11660000MB0000009"),
            province_code=XPCC, address="新疆乌鲁木齐市", is_regulator=True)
        holder = Organisation(
            name_zh="石河子康泰医疗器械有限公司",
            name_en="Shihezi Kangtai Medical Devices Co., Ltd.",
            uscc="91659001MA0KT0008" + check_character("91659001MA0KT0008"),
            province_code=XPCC, address="新疆石河子市北四路 8 号", is_holder=True)
        db.session.add_all([regulator, holder])
        db.session.flush()
        password_hash = _FAST_HASHER.hash("devreg-demo")
        db.session.add(User(email="holder.xj@demo.devreg", display_name="马军", role="holder",
                            password_hash=password_hash, organisation_id=holder.id))
        for email in ("reviewer.xj@demo.devreg", "approver.xj@demo.devreg"):
            db.session.add(User(email=email, display_name=email, role="reviewer",
                                password_hash=password_hash, organisation_id=regulator.id,
                                has_accept_duty=True, has_review_duty=True,
                                has_approve_duty=True))
        db.session.commit()


def test_xpcc_is_an_issuing_authority_with_code_66_and_abbreviation_bing(app):
    corps = db.session.get(Province, XPCC)
    assert (corps.name_zh, corps.abbreviation) == ("新疆生产建设兵团", "兵")
    assert db.session.scalar(db.select(db.func.count()).select_from(Province)) == 32
    assert (XPCC, "Xinjiang Production & Construction Corps (兵)") in province_choices()


def test_xpcc_certificate_numbers_read_bing_xie_zhu_zhun(app):
    assert is_valid_certificate_number("兵械注准20262070001")


def test_xpcc_holder_gets_a_bing_certificate_from_the_corps(app, demo):
    _corps_accounts()
    certificate = certificate_for(demo, holder="holder.xj", approved_on=date(2026, 3, 2))
    assert certificate.number == "兵械注准20262070001"
    assert certificate.province_code == XPCC


def test_xpcc_production_licence_number_is_read(app):
    parsed = parse_licence_number("兵药监械生产许20230003号", current_year=2026)
    assert parsed is not None and parsed.province_code == XPCC
