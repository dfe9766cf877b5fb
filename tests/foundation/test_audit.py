"""The hash-chained audit trail: what it records, and that tampering is detected."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from devreg.audit.models import AuditEvent
from devreg.extensions import db
from devreg.orgs.queries import find_by_uscc
from tests.conftest import login, post
from tests.foundation.helpers import make_uscc, tamper, text_of

USCC = make_uscc("91350200MA0000001")
ORG_FORM = {"name_zh": "厦门测试医疗有限公司", "name_en": "Xiamen Test Medical Co., Ltd.",
            "uscc": USCC, "province_code": "35", "address": "福建省厦门市思明区 1 号",
            "is_holder": "y"}


def events_of(subject_type: str, subject_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.id)))


def all_event_ids() -> list[int]:
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def verify(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def create_org(client):  # type: ignore[no-untyped-def]
    response = post(client, "/admin/organisations/new", ORG_FORM,
                    token_from="/admin/organisations/new")
    assert response.status_code == 302, text_of(response)[:2000]
    return find_by_uscc(USCC)


def test_create_org_via_form_writes_create_event_with_actor_and_address(client, demo):
    login(client, "admin")
    org = create_org(client)
    events = events_of("Organisation", org.id)
    assert [e.action for e in events] == ["create"]
    event = events[0]
    assert event.actor_email == "admin@demo.devreg"
    assert event.actor_id == demo.user("admin").id
    assert event.client_address == "127.0.0.1"
    assert event.before is None
    assert event.after["uscc"] == USCC
    assert event.after["name_zh"] == "厦门测试医疗有限公司"
    assert event.after["is_holder"] is True
    assert event.after["is_regulator"] is False


def test_create_org_client_address_from_request_is_recorded(client, demo):
    login(client, "admin")
    response = post(client, "/admin/organisations/new", ORG_FORM,
                    token_from="/admin/organisations/new",
                    environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302
    assert events_of("Organisation", find_by_uscc(USCC).id)[0].client_address == "203.0.113.7"


def test_edit_org_via_form_writes_update_with_changed_fields_only(client, demo):
    login(client, "admin")
    org = create_org(client)
    path = f"/admin/organisations/{org.id}"
    response = post(client, path, {**ORG_FORM, "address": "福建省厦门市湖里区 2 号",
                                   "is_manufacturer": "y"}, token_from=path)
    assert response.status_code == 302
    events = events_of("Organisation", org.id)
    assert [e.action for e in events] == ["create", "update"]
    update = events[1]
    assert update.before == {"address": "福建省厦门市思明区 1 号", "is_manufacturer": False}
    assert update.after == {"address": "福建省厦门市湖里区 2 号", "is_manufacturer": True}
    assert update.actor_email == "admin@demo.devreg"


def test_edit_org_without_changes_writes_no_event(client, demo):
    login(client, "admin")
    org = create_org(client)
    path = f"/admin/organisations/{org.id}"
    assert post(client, path, ORG_FORM, token_from=path).status_code == 302
    assert [e.action for e in events_of("Organisation", org.id)] == ["create"]


def test_org_detail_after_edit_lists_its_history(client, demo):
    login(client, "admin")
    org = create_org(client)
    path = f"/admin/organisations/{org.id}"
    post(client, path, {**ORG_FORM, "address": "福建省厦门市湖里区 2 号"}, token_from=path)
    page = text_of(client.get(path))
    assert "History" in page
    assert "<code>create</code>" in page
    assert "<code>update</code>" in page
    assert "admin@demo.devreg" in page
    assert "福建省厦门市思明区 1 号" in page  # the before value
    assert "福建省厦门市湖里区 2 号" in page


def test_audit_verify_intact_chain_prints_ok_and_exits_0(app, client, demo):
    login(client, "admin")
    create_org(client)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK")
    assert f"{len(all_event_ids())} events" in result.output


def test_audit_verify_empty_trail_prints_ok(app):
    result = verify(app)
    assert result.exit_code == 0
    assert "OK: 0 events" in result.output


@pytest.mark.parametrize("column", ["after", "action"])
def test_audit_verify_row_changed_behind_app_prints_broken_id_and_fails(app, demo, column):
    ids = all_event_ids()
    assert len(ids) >= 3
    middle = ids[len(ids) // 2]
    if column == "after":
        value = json.dumps({"name_zh": "篡改 tampered"}, ensure_ascii=False)
        if db.engine.dialect.name == "postgresql":
            tamper("UPDATE audit_events SET after = CAST(:value AS JSON) WHERE id = :id",
                   value=value, id=middle)
        else:
            tamper("UPDATE audit_events SET after = :value WHERE id = :id", value=value, id=middle)
    else:
        tamper("UPDATE audit_events SET action = 'delete' WHERE id = :id", id=middle)
    result = verify(app)
    assert result.exit_code != 0
    assert f"BROKEN at event {middle}:" in result.output
    assert "content does not match its hash" in result.output


def test_audit_verify_middle_event_deleted_prints_broken_id_and_fails(app, demo):
    ids = all_event_ids()
    middle = ids[len(ids) // 2]
    tamper("DELETE FROM audit_events WHERE id = :id", id=middle)
    result = verify(app)
    assert result.exit_code != 0
    following = ids[ids.index(middle) + 1]
    assert f"BROKEN at event {following}:" in result.output
    assert "previous-hash link does not match" in result.output


def test_audit_verify_first_event_deleted_fails(app, demo):
    ids = all_event_ids()
    tamper("DELETE FROM audit_events WHERE id = :id", id=ids[0])
    result = verify(app)
    assert result.exit_code != 0
    assert f"BROKEN at event {ids[1]}:" in result.output


def test_audit_refused_form_writes_no_event(client, demo):
    login(client, "admin")
    before = all_event_ids()
    response = post(client, "/admin/organisations/new", {**ORG_FORM, "uscc": USCC[:-1] + "0"
                                                         if USCC[-1] != "0" else USCC[:-1] + "1"},
                    token_from="/admin/organisations/new")
    assert response.status_code == 200
    assert all_event_ids() == before
