"""Personal API tokens: created on the account page and shown once, stored as a hash, scoped,
expiring, revocable, audited; the token (never a session cookie) authenticates the API, and
records are scoped as on the pages."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from devreg.api.models import ApiToken
from devreg.api.problems import PROBLEM_JSON
from devreg.api.tokens import MAX_LIVE_TOKENS, create_token, revoke_token
from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.security import limiter
from tests.conftest import CSRF_RE, login, post
from tests.registrations.helpers import K, S, application_in


def token_for(demo, email: str, scopes=("read:own",), days: int = 90) -> str:  # type: ignore[no-untyped-def]
    with acting_as(None, "test"):
        _token, raw = create_token(demo.user(email), name=f"t-{email}-{'-'.join(scopes)}",
                                   scopes=list(scopes), days=days, today=china_today())
        db.session.commit()
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


# --- the account page ---------------------------------------------------------------------

def test_a_holder_creates_a_token_shown_once_and_stored_as_a_hash(client, demo):
    login(client, "holder")
    page = client.get("/account/tokens")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    created = client.post("/account/tokens", data={"csrf_token": token, "name": "ERP sync",
                                                   "scopes": ["read:own"], "days": "90"})
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    raw = html.split('data-testid="new-token"')[1].split("<code")[1].split(">")[1].split("<")[0]
    assert raw.startswith("dvr_") and len(raw) > 40
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.name == "ERP sync" and row.scope_set == {"read:own"}
    assert row.expires_on == china_today() + timedelta(days=90)
    assert raw not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
    # shown once: the list shows only its first characters
    again = client.get("/account/tokens").get_data(as_text=True)
    assert raw not in again and row.prefix in again
    # audited, without the hash
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "ApiToken"))
    assert event.action == "create_api_token" and event.actor_email == "holder@demo.devreg"
    assert "token_hash" not in event.after and event.after["name"] == "ERP sync"
    # and it works
    me = client.get("/api/v1/me", headers=bearer(raw))
    assert me.status_code == 200 and me.get_json()["email"] == "holder@demo.devreg"


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "scopes": ["read:own"], "days": "90"}, "This field is required."),
    ({"name": "x", "days": "90"}, "This field is required."),
    ({"name": "x", "scopes": ["read:queue"], "days": "90"}, "not a valid choice"),
    ({"name": "x", "scopes": ["read:own"], "days": "1000"}, "Not a valid choice"),
    ({"name": "x" * 101, "scopes": ["read:own"], "days": "90"}, "100"),
])
def test_bad_token_forms_are_refused_and_keep_what_was_typed(client, demo, data, message):
    login(client, "holder")
    response = post(client, "/account/tokens", data, token_from="/account/tokens")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if data["name"]:
        assert f'value="{data["name"]}"' in html
    assert db.session.scalar(select(ApiToken)) is None


def test_a_second_live_token_of_the_same_name_is_refused(client, demo):
    login(client, "holder")
    form = {"name": "ERP", "scopes": ["read:own"], "days": "30"}
    assert post(client, "/account/tokens", form, token_from="/account/tokens").status_code == 201
    again = post(client, "/account/tokens", form, token_from="/account/tokens")
    assert again.status_code == 422
    assert "You already have a token of that name" in again.get_data(as_text=True)


def test_the_database_refuses_two_live_tokens_of_one_name(demo):
    holder = demo.user("holder")
    for n in range(2):
        db.session.add(ApiToken(user_id=holder.id, name="same", prefix="dvr_x",
                                token_hash=f"{n}" * 64, scopes="read:own",
                                expires_on=date(2030, 1, 1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_page_is_in_chinese(client, demo):
    login(client, "holder")
    html = client.get("/account/tokens", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True)
    assert "API 令牌" in html and "New token" not in html


def test_administrators_have_no_api_tokens(client, demo):
    login(client, "admin")
    assert client.get("/account/tokens").status_code == 403
    with pytest.raises(DomainError):
        create_token(demo.user("admin"), name="x", scopes=["read:own"], days=30,
                     today=china_today())


def test_at_most_ten_live_tokens(demo):
    holder = demo.user("holder")
    with acting_as(None, "test"):
        for n in range(MAX_LIVE_TOKENS):
            create_token(holder, name=f"n{n}", scopes=["read:own"], days=30, today=china_today())
        with pytest.raises(DomainError, match="revoke one first"):
            create_token(holder, name="one more", scopes=["read:own"], days=30,
                         today=china_today())


def test_revoking_a_token_stops_it_and_is_audited_and_cannot_be_repeated(client, demo):
    raw = token_for(demo, "holder")
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    login(client, "holder")
    row = db.session.scalar(select(ApiToken))
    response = post(client, f"/account/tokens/{row.id}/revoke", token_from="/account/tokens")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None
    refused = client.get("/api/v1/me", headers=bearer(raw))
    assert refused.status_code == 401 and refused.mimetype == PROBLEM_JSON
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "ApiToken")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.action == "revoke_api_token"
    # a second revocation is refused (the transition live -> revoked happens once)
    again = post(client, f"/account/tokens/{row.id}/revoke", token_from="/account/tokens")
    assert again.status_code == 302
    assert "already revoked" in client.get("/account/tokens").get_data(as_text=True)
    with pytest.raises(DomainError):
        revoke_token(row)


def test_another_accounts_token_cannot_be_revoked(client, demo):
    token_for(demo, "holder")
    row = db.session.scalar(select(ApiToken))
    login(client, "holder.bj")
    response = post(client, f"/account/tokens/{row.id}/revoke", token_from="/account/tokens")
    assert response.status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


# --- authentication -----------------------------------------------------------------------

def test_a_session_cookie_alone_never_authenticates_the_api(client, demo):
    login(client, "holder")
    assert client.get("/home").status_code == 200  # the session is good for the pages
    for path in ("/api/v1/me", "/api/v1/my/applications", "/api/v1/my/certificates"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.mimetype == PROBLEM_JSON


def test_with_a_session_and_a_token_the_token_decides(client, demo):
    raw = token_for(demo, "holder.bj")
    login(client, "holder")
    answer = client.get("/api/v1/me", headers=bearer(raw))
    assert answer.get_json()["email"] == "holder.bj@demo.devreg"
    assert answer.headers["Cache-Control"] == "no-store"  # an account's own records


@pytest.mark.parametrize("header", [
    "Bearer dvr_not-a-token", "Bearer", "Basic dXNlcjpwYXNz", "dvr_x", "Bearer " + "x" * 300])
def test_unknown_or_malformed_tokens_answer_401(client, demo, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_an_expired_token_answers_401(client, demo):
    raw = token_for(demo, "holder", days=30)
    db.session.execute(update(ApiToken).values(expires_on=china_today() - timedelta(days=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    db.session.execute(update(ApiToken).values(expires_on=china_today()))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200  # its last day


def test_a_deactivated_accounts_token_answers_401(client, demo):
    raw = token_for(demo, "holder")
    db.session.execute(update(User).where(User.email == "holder@demo.devreg")
                       .values(is_active=False))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_a_token_missing_the_scope_answers_403(client, demo):
    own = token_for(demo, "reviewer", scopes=("read:own",))
    queue = token_for(demo, "reviewer", scopes=("read:queue",))
    assert client.get("/api/v1/queues", headers=bearer(own)).status_code == 403
    refused = client.get("/api/v1/my/applications", headers=bearer(queue))
    assert refused.status_code == 403
    assert "read:own" in refused.get_json()["detail"]
    assert client.get("/api/v1/queues", headers=bearer(queue)).status_code == 200


def test_last_used_is_written_once_a_day(client, demo):
    raw = token_for(demo, "holder")
    for _ in range(3):
        client.get("/api/v1/me", headers=bearer(raw))
    row = db.session.scalar(select(ApiToken))
    assert row.last_used_on == china_today()


def test_token_requests_are_rate_limited_per_token(app, client, demo):
    first, second = token_for(demo, "holder"), token_for(demo, "holder.bj")
    app.config["API_RATE_LIMIT_PER_TOKEN"] = "2 per minute"
    try:
        codes = [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200
    finally:
        app.config["API_RATE_LIMIT_PER_TOKEN"] = "100000 per minute"
        limiter.reset()


# --- what a token reads -------------------------------------------------------------------

def test_a_holders_token_reads_its_own_application_and_404_for_another_holders(client, demo):
    with acting_as(None, "test"):
        mine = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, name="体温计 mine")
        theirs = application_in(demo, K.INITIAL, S.SUBMITTED, holder="holder.bj",
                                name="体温计 theirs")
    raw = token_for(demo, "holder")
    listed = client.get("/api/v1/my/applications", headers=bearer(raw)).get_json()
    assert [a["id"] for a in listed["items"]] == [mine.id] and listed["total"] == 1
    record = client.get(f"/api/v1/my/applications/{mine.id}", headers=bearer(raw)).get_json()
    assert record["state"] == "supplement_requested"
    # the clock stands still while the holder prepares the supplement (Order 47 Art 98(1))
    assert record["clock"]["paused"] is True
    assert record["clock"]["pause_reason"] == "supplement"
    assert record["pauses"][-1]["reason"] == "supplement"
    assert record["pauses"][-1]["ended_on"] is None
    assert record["to_answer"]["supplement_items"]
    assert record["to_answer"]["supplement_deadline"]
    other = client.get(f"/api/v1/my/applications/{theirs.id}", headers=bearer(raw))
    assert other.status_code == 404 and other.mimetype == PROBLEM_JSON
    assert client.get("/api/v1/my/applications/999999", headers=bearer(raw)).status_code == 404


def test_holders_see_their_devices_and_certificates_only(client, demo):
    from tests.registrations.helpers import certificate_for

    with acting_as(None, "test"):
        mine = certificate_for(demo, name="血压计 mine")
        certificate_for(demo, holder="holder.bj", name="血压计 theirs")
    raw = token_for(demo, "holder")
    certificates = client.get("/api/v1/my/certificates", headers=bearer(raw)).get_json()
    assert [c["number"] for c in certificates["items"]] == [mine.number]
    devices = client.get("/api/v1/my/devices", headers=bearer(raw)).get_json()
    assert [d["name"] for d in devices["items"]] == ["血压计 mine"]


def test_a_reviewers_queue_token_reads_its_queues_in_its_province(client, demo):
    with acting_as(None, "test"):
        waiting = application_in(demo, K.INITIAL, S.SUBMITTED, name="体温计 waiting")
    raw = token_for(demo, "reviewer", scopes=("read:queue",))
    counts = client.get("/api/v1/queues", headers=bearer(raw)).get_json()["queues"]
    assert {q["stage"]: q["waiting"] for q in counts}["acceptance"] == 1
    queue = client.get("/api/v1/queues/acceptance", headers=bearer(raw)).get_json()
    assert [a["id"] for a in queue["items"]] == [waiting.id]
    assert queue["items"][0]["clock"]["stage"] == "acceptance"
    # a queue the reviewer's duties do not give, or none at all
    assert client.get("/api/v1/queues/decision", headers=bearer(raw)).status_code == 404
    assert client.get("/api/v1/queues/nothing", headers=bearer(raw)).status_code == 404
    # another province's reviewer sees none of it
    beijing = token_for(demo, "approver.bj", scopes=("read:queue",))
    assert client.get("/api/v1/queues/decision", headers=bearer(beijing)).get_json()[
        "total"] == 0
