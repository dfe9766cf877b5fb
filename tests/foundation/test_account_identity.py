"""Accounts are never reused: a change of name or email is a correction for the same person,
with a reason, audited, and it ends the account's sessions; changing both at once (handing the
account to someone else) is refused; signatures keep the name the signer had when signing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from devreg.audit.models import AuditEvent
from devreg.extensions import db
from tests.conftest import login, post
from tests.foundation.helpers import replay, session_cookie, text_of
from tests.registrations.helpers import K, S, app_path, application_in, client_for

REUSE_REFUSED = ("The name and the email cannot both change: that would hand this account to "
                 "another person. Accounts are never reused: deactivate this account and create "
                 "a new one for the new person.")
REASON_NEEDED = "A new name or email is only a correction for the same person: state the reason."


def edit(admin, user, **changes):  # type: ignore[no-untyped-def]
    path = f"/admin/users/{user.id}"
    data = {"email": user.email, "display_name": user.display_name, "role": user.role,
            "organisation_id": str(user.organisation_id or 0),
            **({"has_accept_duty": "y"} if user.has_accept_duty else {}),
            **({"has_review_duty": "y"} if user.has_review_duty else {}),
            **({"has_approve_duty": "y"} if user.has_approve_duty else {}), **changes}
    return post(admin, path, data, token_from=path)


def last_event(user):  # type: ignore[no-untyped-def]
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id)
        .order_by(AuditEvent.id.desc())).first()


@pytest.fixture
def admin(app, demo):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "admin")
    return client


def test_name_correction_is_audited_with_reason_and_ends_sessions(app, admin, demo):
    holder_browser = app.test_client()
    login(holder_browser, "holder")
    cookie = session_cookie(holder_browser)
    holder = demo.user("holder")
    response = edit(admin, holder, display_name="张玮 Zhang Wei",
                    identity_reason="身份证姓名更正 misspelt name")
    assert response.status_code == 302
    assert "Account saved; its sessions are ended." in text_of(admin.get(response.location))
    holder = demo.user("holder")
    assert holder.display_name == "张玮 Zhang Wei"
    event = last_event(holder)
    assert event.action == "change_identity"
    assert event.actor_email == "admin@demo.devreg"
    assert event.before == {"display_name": "张伟 Zhang Wei", "identity_note": None}
    assert event.after == {"display_name": "张玮 Zhang Wei",
                           "identity_note": "身份证姓名更正 misspelt name"}
    # every session of the account is over
    assert replay(app, cookie).get("/home").status_code == 302
    assert holder_browser.get("/home").status_code == 302


def test_email_correction_is_audited_and_ends_sessions(app, admin, demo):
    browser = app.test_client()
    login(browser, "reviewer")
    reviewer = demo.user("reviewer")
    response = edit(admin, reviewer, email="liu.yang@demo.devreg",
                    identity_reason="新邮箱 new mailbox")
    assert response.status_code == 302
    event = last_event(demo.user("liu.yang@demo.devreg"))
    assert event.action == "change_identity"
    assert event.before["email"] == "reviewer@demo.devreg"
    assert event.after["email"] == "liu.yang@demo.devreg"
    assert browser.get("/home").status_code == 302


def test_changing_name_and_email_at_once_is_refused(app, admin, demo):
    browser = app.test_client()
    login(browser, "holder")
    holder = demo.user("holder")
    version = holder.session_version
    response = edit(admin, holder, email="li.si@example.cn", display_name="李四 Li Si",
                    identity_reason="新员工接手 new employee takes over")
    assert response.status_code == 200
    page = text_of(response)
    assert REUSE_REFUSED in page
    assert 'value="李四 Li Si"' in response.get_data(as_text=True)  # the form keeps the input
    holder = demo.user("holder")
    assert (holder.email, holder.display_name) == ("holder@demo.devreg", "张伟 Zhang Wei")
    assert holder.session_version == version
    assert browser.get("/home").status_code == 200


@pytest.mark.parametrize("changes", [{"display_name": "张玮 Zhang Wei"},
                                     {"email": "zhang.wei@demo.devreg"}])
def test_a_change_without_reason_is_refused(admin, demo, changes):
    holder = demo.user("holder")
    response = edit(admin, holder, identity_reason="  ", **changes)
    assert response.status_code == 200
    assert REASON_NEEDED in text_of(response)
    holder = demo.user("holder")
    assert (holder.email, holder.display_name) == ("holder@demo.devreg", "张伟 Zhang Wei")


def test_other_edits_keep_the_sessions(app, admin, demo):
    browser = app.test_client()
    login(browser, "reviewer")
    response = edit(admin, demo.user("reviewer"), has_approve_duty="y")
    assert response.status_code == 302
    assert "Account saved." in text_of(admin.get(response.location))
    assert browser.get("/home").status_code == 200


def test_the_admin_correcting_its_own_name_stays_signed_in(admin, demo):
    response = edit(admin, demo.user("admin"), display_name="系统管理员 Administrator",
                    identity_reason="统一称呼")
    assert response.status_code == 302
    assert admin.get("/home").status_code == 200


def test_signatures_keep_the_name_the_signer_had(app, admin, demo):
    application = application_in(demo, K.INITIAL, S.APPROVED)
    for email in ("reviewer", "approver"):
        user = demo.user(email)
        edit(admin, user, display_name=f"{user.display_name} (更正)", identity_reason="更正")
    page = text_of(client_for(app, "holder").get(app_path(application)))
    signatures = re.findall(r'data-testid="signature">(.*?)</li>', page, re.S)
    assert signatures and not [s for s in signatures if "(更正)" in s]
    decision = re.search(r'data-testid="decision">(.*?)</div>', page, re.S).group(1)
    assert "by 陈静 Chen Jing." in decision
    opinion = re.search(r"Review opinion(.*?)</h2>", page, re.S).group(1)
    assert "刘洋 Liu Yang" in opinion and "(更正)" not in opinion
