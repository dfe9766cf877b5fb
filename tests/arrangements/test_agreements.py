"""Agreements as the law asks (issue 10 item 3): the quality agreement and the commission
agreement (Decree 739 Art 34, Order 53 Art 32), each a file with its term; the 2022 No. 20
checklist; no term past the certificate or the licence (2024-38 §4); the 2022 No. 17 list."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from devreg.arrangements import services as svc
from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement, ArrangementFile
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.production.models import NoCommissionEntry
from devreg.production.no_commission import NO_COMMISSION_LIST
from tests.arrangements.builders import World, count
from tests.arrangements.test_proposal import propose_on_web
from tests.conftest import post


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_an_agreement_running_past_the_licence_is_refused_naming_the_date(world: World) -> None:
    """Why: nothing checked that the agreement ends no later than the certificate and the
    licence (2024-38 §4)."""
    device = world.device_in_application()  # no certificate yet: the licence limits
    licence = world.js_licence
    late = (licence.valid_until + timedelta(days=1)).isoformat()
    holder = world.client("holder")
    for field in ("agreement_until", "commission_until"):
        response = propose_on_web(holder, device, world.js_site, **{field: late})
        assert response.status_code == 200
        page = _text(response)
        assert (f"may not run past {licence.valid_until.isoformat()}: the production licence "
                f"{licence.number} expires then") in page
        assert late in page  # the form keeps what was typed
    assert count(Arrangement) == 0 and count(ArrangementFile) == 0
    post(holder, "/locale/zh_CN")
    response = propose_on_web(holder, device, world.js_site, agreement_until=late)
    assert f"不得超过 {licence.valid_until.isoformat()}" in _text(response)
    # up to the last valid day is fine
    response = propose_on_web(holder, device, world.js_site,
                              until=licence.valid_until.isoformat())
    assert response.status_code == 302
    arrangement = db.session.scalar(select(Arrangement))
    assert arrangement.agreement_until == licence.valid_until
    assert arrangement.commission_until == licence.valid_until


def test_the_certificate_limits_when_it_expires_first(world: World) -> None:
    device, certificate = world.registered()
    world.js_licence.valid_until = certificate.valid_until + timedelta(days=400)
    db.session.commit()
    limit, what = svc.agreement_limit(device, world.js_site)
    assert limit == certificate.valid_until
    assert certificate.number in what
    with pytest.raises(DomainError, match=certificate.valid_until.isoformat()):
        world.propose(device, world.js_site,
                      agreement_until=certificate.valid_until + timedelta(days=1))


def test_the_commission_agreement_is_required_and_shown(world: World) -> None:
    """Why: only the quality agreement was recorded."""
    device = world.device_in_application()
    response = propose_on_web(world.client("holder"), device, world.js_site, commission=None)
    assert response.status_code == 200
    assert "Upload the signed commission agreement (委托协议)." in _text(response)
    assert count(Arrangement) == 0
    response = propose_on_web(world.client("holder"), device, world.js_site)
    assert response.status_code == 302
    arrangement = db.session.scalar(select(Arrangement))
    assert arrangement.commission_file.original_name == "委托协议.pdf"
    for email in ("holder", "manufacturer", "reviewer.js"):
        page = _text(world.client(email).get(f"/arrangements/{arrangement.id}"))
        block = page.split('data-testid="commission-agreement"')[1].split("</dd>")[0]
        assert "委托协议.pdf" in block and "valid until" in block
        download = world.client(email).get(
            f"/arrangements/{arrangement.id}/agreement?file=commission")
        assert download.status_code == 200
        assert download.get_data().startswith(b"%PDF")
        assert "filename*" in download.headers["Content-Disposition"]
        download.close()
    # self-manufacture needs neither agreement
    own = world.device_in_application(holder="holder.bj")
    assert world.propose(own, world.bj_site, agreement=None, commission=None).commission_file \
        is None


def test_the_checklist_is_the_2022_no_20_guidelines_in_both_languages(world: World) -> None:
    """Why: the 16 clause headings were not the guideline's."""
    for code in ("technical_transfer", "complaints", "traceability", "communication", "kpis",
                 "commercial_insurance", "term_termination", "laws_standards"):
        assert code in CLAUSES
    holder = world.client("holder")
    page = _text(holder.get("/arrangements/new"))
    for title in ("Transfer of technical documentation", "Identification and traceability",
                  "Communication mechanism", "Performance indicators", "Commercial insurance",
                  "After-sales service"):
        assert title in page
    post(holder, "/locale/zh_CN")
    page = _text(holder.get("/arrangements/new"))
    for title in ("技术文件的转移", "标识和可追溯性", "沟通机制", "考核指标", "商业保险",
                  "售后服务"):
        assert title in page


def test_a_listed_device_cannot_be_commissioned(world: World) -> None:
    """Done: a 2022 No. 17 product cannot be commissioned (by category and name)."""
    assert count(NoCommissionEntry) == len(NO_COMMISSION_LIST)  # the demo carries the list
    listed = world.device_in_application(category="14", name="可吸收外科防粘连敷料")
    js = world.js_licence
    js.scope = [*js.scope]  # 14 is in the Jiangsu scope already
    response = propose_on_web(world.client("holder"), listed, world.js_site)
    assert response.status_code == 200
    assert ("is on the list of devices that may not be commissioned (NMPA 2022 No. 17: 14-08-02"
            in _text(response))
    assert count(Arrangement) == 0
    # same name, another subcategory: not this entry
    other = world.device_in_application(category="07", name="防粘连监护仪")
    assert propose_on_web(world.client("holder"), other, world.js_site).status_code == 302
    # self-manufacture of a listed device stays possible
    own = world.device_in_application(holder="holder.bj", category="14",
                                      name="可吸收外科防粘连敷料 自产")
    assert world.propose(own, world.bj_site, agreement=None, commission=None).id


def test_administrators_maintain_the_list_and_everyone_signed_in_reads_it(world: World) -> None:
    admin = world.client("admin")
    page = _text(admin.get("/production/no-commission-list"))
    assert "12-01-01" in page and "植入式心脏起搏器" in page
    response = post(admin, "/production/no-commission-list",
                    {"code": "13-05-01", "name": "测试植入物", "keyword": "测试植入"},
                    token_from="/production/no-commission-list")
    assert response.status_code == 302
    entry = db.session.scalar(select(NoCommissionEntry).where(NoCommissionEntry.code == "13-05-01"))
    assert entry.keyword == "测试植入"
    entry_id = entry.id
    bad = post(admin, "/production/no-commission-list",
               {"code": "13-05-01", "name": "x", "keyword": "y"},
               token_from="/production/no-commission-list")
    assert bad.status_code == 422 and "already on the list" in _text(bad)
    bad = post(admin, "/production/no-commission-list", {"code": "99", "name": "x",
                                                         "keyword": "y"},
               token_from="/production/no-commission-list")
    assert bad.status_code == 422 and "as printed on the list" in _text(bad)
    assert 'value="99"' in bad.get_data(as_text=True)
    holder = world.client("holder")
    assert "13-05-01" in _text(holder.get("/production/no-commission-list"))
    assert post(holder, "/production/no-commission-list",
                {"code": "13-05-02", "name": "x", "keyword": "y"},
                token_from="/production/no-commission-list").status_code == 403
    assert post(holder, f"/production/no-commission-list/{entry_id}/delete", {},
                token_from="/production/no-commission-list").status_code == 403
    assert post(admin, f"/production/no-commission-list/{entry_id}/delete", {},
                token_from="/production/no-commission-list").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(NoCommissionEntry).where(
        NoCommissionEntry.id == entry_id)) is None


def test_the_no_commission_list_is_loaded_through_the_trail_once(app):
    """The migration used to insert the 2022 No. 17 entries behind the audit trail, so `audit
    verify` failed on every fresh database; the command loads them as audited records."""
    runner = app.test_cli_runner()
    assert count(NoCommissionEntry) == 0  # the schema loads no entries of its own
    first = runner.invoke(args=["no-commission-list"])
    assert first.exit_code == 0 and f"{len(NO_COMMISSION_LIST)} entries added" in first.output
    again = runner.invoke(args=["no-commission-list"])
    assert "0 entries added" in again.output
    assert count(NoCommissionEntry) == len(NO_COMMISSION_LIST)
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
