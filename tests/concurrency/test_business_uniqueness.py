"""Business uniqueness in the database (issue 8 item 3), under double clicks: parallel POSTs,
each from its own browser session on its own connection, released together.

The Why bullet: on PostgreSQL double clicks made 2 open first-registration drafts for one
device, 3 open change drafts on one certificate and 4 live arrangements for one device and site
(check, then insert, no constraint). Partial unique indexes now keep one; every other request
gets the same clear message the check gives (a 4xx page, never a 500)."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement
from devreg.audit.services import acting_as
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.production.models import ProductionLicence, ScopeChangeRequest
from devreg.production.services import add_site, request_scope_change
from devreg.registrations import services as filing
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from tests.concurrency.test_certificate_serials import (
    FILED_ON,
    PDF,
    _user,
    accounts,  # noqa: F401 - fixture
    approve,
    parallel_app,
    review_done_applications,
)
from tests.conftest import CSRF_RE, login
from tests.foundation.helpers import JIANGSU_LICENCE, dispose

PARALLEL = 4
SITE = "江苏省苏州市工业园区星湖街 218 号 5 号厂房"


def _device(name: str) -> int:
    holder = _user("holder@demo.devreg")
    with acting_as(holder.id, holder.email):
        device = filing.create_device(filing.DeviceData(
            name=name, model_spec="BP-1", structure="主机", intended_use="测量血压",
            device_class="2", category_code="07", is_ivd_reagent=False),
            holder_org_id=holder.organisation_id)
    db.session.commit()
    return device.id


def _certificate() -> Any:
    (application_id,) = review_done_applications(1)
    approve(application_id)
    return db.session.get(Application, application_id).certificate


def _parallel_posts(app, email: str, path: str, data: dict[str, Any],
                    token_from: str) -> list[tuple[int, str]]:
    """``PARALLEL`` signed-in browsers POST ``data`` to ``path`` at the same moment."""
    db.session.commit()
    other = parallel_app(app)
    clients = []
    for _ in range(PARALLEL):
        client = other.test_client()
        login(client, email)
        page = client.get(token_from).get_data(as_text=True)
        clients.append((client, CSRF_RE.search(page).group(1)))
    barrier = threading.Barrier(PARALLEL, timeout=60)
    results: list[tuple[int, str]] = []

    def work(client, token) -> None:  # type: ignore[no-untyped-def]
        payload = {"csrf_token": token}
        for key, value in data.items():  # a fresh stream per request
            payload[key] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) \
                else value
        with other.app_context():  # the client expires this thread's session afterwards
            barrier.wait()
            response = client.post(path, data=payload)
            results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=work, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    dispose(other)
    db.session.expire_all()
    return results


def _one_saved_rest_refused(results: list[tuple[int, str]], message: str) -> None:
    statuses = sorted(status for status, _ in results)
    assert len(results) == PARALLEL
    assert statuses.count(302) == 1, statuses
    refused = [body for status, body in results if status != 302]
    assert all(status < 500 for status, _ in results), statuses
    for body in refused:
        assert message in re.sub(r"&#39;|&#x27;", "'", body), body[:3000]


def test_parallel_first_registration_drafts_leave_one(app, accounts):  # noqa: F811
    device_id = _device("双击血压计")
    results = _parallel_posts(app, "holder@demo.devreg", f"/devices/{device_id}/apply",
                              {"production_address": "河北省石家庄市"},
                              token_from=f"/devices/{device_id}")
    _one_saved_rest_refused(results, "This device already has an open application of this kind.")
    assert db.session.scalar(select(func.count()).select_from(Application).where(
        Application.device_id == device_id)) == 1


def test_parallel_change_drafts_on_one_certificate_leave_one(app, accounts):  # noqa: F811
    certificate = _certificate()
    page = f"/certificates/{certificate.id}/apply/change"
    results = _parallel_posts(app, "holder@demo.devreg", page,
                              {"change_description": "增加型号", "model_spec": "BP-1, BP-2"},
                              token_from=page)
    _one_saved_rest_refused(results, "This device already has an open application of this kind.")
    assert db.session.scalar(select(func.count()).select_from(Application).where(
        Application.certificate_id == certificate.id, Application.kind == "change")) == 1


def test_parallel_proposals_for_one_device_and_site_leave_one_live(app, accounts):  # noqa: F811
    device_id = _device("双击委托血压计")
    licence = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.number == JIANGSU_LICENCE))
    with acting_as(None, "test"):
        site = add_site(licence, SITE)
    db.session.commit()
    from devreg.arrangements.services import agreement_limit

    # both agreements, each running to the last day the licence and certificate allow
    until = agreement_limit(db.session.get(filing.Device, device_id), site)[0].isoformat()
    results = _parallel_posts(app, "holder@demo.devreg", "/arrangements/new", {
        "device_id": str(device_id), "site_id": str(site.id), "planned_start": "2026-04-01",
        "clauses": list(CLAUSES), "agreement": (PDF, "质量协议.pdf"),
        "commission_agreement": (PDF, "委托协议.pdf"), "agreement_until": until,
        "commission_until": until}, token_from="/arrangements/new")
    _one_saved_rest_refused(results, "This device already has an arrangement with this site.")
    assert db.session.scalar(select(func.count()).select_from(Arrangement).where(
        Arrangement.device_id == device_id, Arrangement.site_id == site.id)) == 1


def test_parallel_scope_change_requests_leave_one_pending(app, accounts):  # noqa: F811
    licence = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.number == JIANGSU_LICENCE))
    page = f"/production/licences/{licence.id}/scope-change"
    results = _parallel_posts(app, "manufacturer@demo.devreg", page,
                              {"codes": ["09"], "reason": "新增理疗仪生产"}, token_from=page)
    _one_saved_rest_refused(results,
                            "A scope change request for this licence is already pending.")
    assert db.session.scalar(select(func.count()).select_from(ScopeChangeRequest).where(
        ScopeChangeRequest.licence_id == licence.id)) == 1


# --- the index alone, without the service's check (both engines) ------------------------------

def test_index_gives_the_checks_message_when_the_check_is_bypassed(app, accounts,  # noqa: F811
                                                                   monkeypatch):
    device_id = _device("绕过检查血压计")
    holder = _user("holder@demo.devreg")
    device = db.session.get(filing.Device, device_id)
    with acting_as(holder.id, holder.email):
        filing.create_application(ApplicationKind.INITIAL, device, actor=holder,
                                  today=FILED_ON, production_address="河北省")
        db.session.commit()
        monkeypatch.setattr(filing, "open_application_for", lambda *args: None)
        with pytest.raises(DomainError) as refused:
            filing.create_application(ApplicationKind.INITIAL, device, actor=holder,
                                      today=FILED_ON, production_address="河北省")
    assert refused.value.message == "This device already has an open application of this kind."
    db.session.rollback()


def test_scope_index_gives_the_checks_message_when_the_check_is_bypassed(
        app, accounts, monkeypatch):  # noqa: F811
    from devreg.production import services as production

    licence = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.number == JIANGSU_LICENCE))
    maker = _user("manufacturer@demo.devreg")
    with acting_as(maker.id, maker.email):
        request_scope_change(licence, actor=maker, codes=["09"], new_site_address=None,
                             reason="一")
        db.session.commit()
        real_scalar = db.session.scalar

        def no_pending(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            if "scope_change_requests" in str(statement):
                return None
            return real_scalar(statement, *args, **kwargs)

        monkeypatch.setattr(production.db.session, "scalar", no_pending)
        with pytest.raises(DomainError) as refused:
            request_scope_change(licence, actor=maker, codes=["10"], new_site_address=None,
                                 reason="二")
    assert refused.value.message == "A scope change request for this licence is already pending."
    monkeypatch.undo()
    db.session.rollback()
