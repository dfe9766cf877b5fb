"""Electronic signatures: re-entered password, bound to signer, meaning, time and content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from devreg.audit.models import AuditEvent
from devreg.auth.models import User
from devreg.db import utcnow
from devreg.extensions import db
from devreg.production.queries import find_by_number
from devreg.signatures.models import Signature
from devreg.signatures.services import SignatureRefused, content_hash, sign
from tests.foundation.helpers import BEIJING_LICENCE, DEMO_PASSWORD, JIANGSU_LICENCE, count

CONTENT = {"decision": "approve", "reasons": "符合要求 meets the requirements"}


def sign_licence(signer, password=DEMO_PASSWORD, content=None, number=JIANGSU_LICENCE,
                 meaning="approved"):  # type: ignore[no-untyped-def]
    licence = find_by_number(number)
    signature = sign(licence, signer=signer, password=password, meaning=meaning,
                     content=CONTENT if content is None else content)
    db.session.commit()
    return signature


@pytest.mark.parametrize("password", ["wrong-password", "", "DEVREG-DEMO"])
def test_sign_wrong_password_raises_and_records_nothing(demo, password):
    signatures, events = count(Signature), count(AuditEvent)
    with pytest.raises(SignatureRefused) as refused:
        sign_licence(demo.user("approver"), password=password)
    assert refused.value.message == "The password is not correct. Nothing was signed."
    db.session.commit()
    assert count(Signature) == signatures
    assert count(AuditEvent) == events


def test_sign_right_password_records_signer_name_meaning_time_and_hash(demo):
    approver = demo.user("approver")
    licence = find_by_number(JIANGSU_LICENCE)
    started = utcnow()
    signature = sign_licence(approver)
    db.session.expire_all()
    stored = db.session.get(Signature, signature.id)
    assert stored.signer_id == approver.id
    assert stored.printed_name == "陈静 Chen Jing"
    assert stored.meaning == "approved"
    assert started - timedelta(seconds=1) <= stored.signed_at <= utcnow()
    assert stored.signed_at.tzinfo is not None
    assert (stored.subject_type, stored.subject_id) == ("ProductionLicence", licence.id)
    assert stored.content_hash == content_hash({
        "subject_type": "ProductionLicence", "subject_id": licence.id,
        "meaning": "approved", "content": CONTENT})
    assert len(stored.content_hash) == 64
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "Signature", AuditEvent.subject_id == stored.id))
    assert event is not None
    assert event.action == "create"
    assert event.after["content_hash"] == stored.content_hash


def test_sign_printed_name_is_kept_when_name_changes_later(demo):
    approver = demo.user("approver")
    signature = sign_licence(approver)
    approver.display_name = "陈静 (renamed)"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Signature, signature.id).printed_name == "陈静 Chen Jing"


def test_sign_different_content_gives_different_hash(demo):
    approver = demo.user("approver")
    first = sign_licence(approver)
    second = sign_licence(approver, content={**CONTENT, "reasons": "different"})
    assert first.content_hash != second.content_hash


def test_sign_different_subject_gives_different_hash(demo):
    approver = demo.user("approver")
    first = sign_licence(approver, number=JIANGSU_LICENCE)
    second = sign_licence(approver, number=BEIJING_LICENCE)
    assert first.subject_id != second.subject_id
    assert first.content_hash != second.content_hash


def test_sign_different_meaning_gives_different_hash(demo):
    approver = demo.user("approver")
    first = sign_licence(approver, meaning="approved")
    second = sign_licence(approver, meaning="refused")
    assert first.content_hash != second.content_hash


def test_sign_same_everything_gives_same_hash(demo):
    approver = demo.user("approver")
    assert sign_licence(approver).content_hash == sign_licence(approver).content_hash


def test_sign_deactivated_user_is_refused(demo):
    db.session.execute(update(User).where(User.email == "approver@demo.devreg")
                       .values(is_active=False))
    db.session.commit()
    signatures = count(Signature)
    with pytest.raises(SignatureRefused) as refused:
        sign_licence(demo.user("approver"))
    assert "deactivated" in refused.value.message
    db.session.commit()
    assert count(Signature) == signatures


def test_sign_unknown_meaning_raises_value_error(demo):
    with pytest.raises(ValueError, match="unknown signature meaning"):
        sign_licence(demo.user("approver"), meaning="rubber-stamped")
    db.session.rollback()
    assert count(Signature) == 0
