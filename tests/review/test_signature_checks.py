"""Signatures are checked when shown (issue 8 item 4): each signature's content is recomputed
from the live record; a page shows "signature valid" or, prominently, "the record changed after
it was signed", and `flask signatures verify` reports every mismatch and exits non-zero."""

from __future__ import annotations

from sqlalchemy import select, text

from devreg.extensions import db
from devreg.signatures.models import Signature
from devreg.signatures.records import CHANGED, UNCHECKED, VALID, check
from tests.registrations.helpers import K, S, application_in, client_for, text_of

CHANGED_EN = "The record changed after it was signed."
CHANGED_ZH = "该记录在签名后被更改。"


def _signatures(subject_id: int, meaning: str | None = None) -> list[Signature]:
    query = select(Signature).where(Signature.subject_type == "Application",
                                    Signature.subject_id == subject_id)
    if meaning:
        query = query.where(Signature.meaning == meaning)
    return list(db.session.scalars(query.order_by(Signature.id)))


def _verify(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["signatures", "verify"])


def test_every_signature_of_an_untouched_journey_is_valid(app, demo):
    application = application_in(demo, K.INITIAL, S.APPROVED, name="完好血压计")
    signatures = _signatures(application.id)
    assert {s.meaning for s in signatures} == {"submitted", "accepted",
                                               "review_recommended_approval", "approved"}
    assert all(check(s).status == VALID for s in signatures)
    page = text_of(client_for(app, "holder").get(f"/applications/{application.id}"))
    assert page.count("Signature valid") == len(signatures)
    assert CHANGED_EN not in page
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "Signatures: OK" in result.output


def test_tampered_opinion_shows_as_changed_after_signing_in_both_languages(app, demo):
    """The Why bullet: a tampered opinion was still shown under the reviewer's signature."""
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, name="篡改意见血压计")
    db.session.execute(text("UPDATE applications SET opinion_text = '篡改后的意见' "
                            "WHERE id = :id"), {"id": application.id})
    db.session.commit()
    (opinion,) = _signatures(application.id, "review_recommended_approval")
    result = check(opinion)
    assert result.status == CHANGED
    assert result.changed_keys == ("opinion",)
    for lang, warning in (("en", CHANGED_EN), ("zh_CN", CHANGED_ZH)):
        page = text_of(client_for(app, "approver", lang=lang).get(
            f"/applications/{application.id}"))
        assert warning in page, lang
        assert 'data-testid="signature-changed"' in page
    # the other signatures are untouched
    assert check(_signatures(application.id, "submitted")[0]).status == VALID


def test_cli_verify_prints_one_line_per_mismatch_and_exits_non_zero(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, name="命令行血压计")
    db.session.execute(text("UPDATE applications SET opinion_text = 'x', "
                            "acceptance_number = 'X' WHERE id = :id"), {"id": application.id})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    changed = [line for line in lines if line.startswith("CHANGED")]
    assert len(changed) == 2, result.output
    assert "review_recommended_approval" in result.output and "accepted" in result.output
    assert lines[-1].startswith("Signatures: MISMATCH: 1 valid, 2 changed after signing")
    assert "Traceback" not in result.output


def test_tampered_frozen_content_or_dossier_hash_breaks_the_holder_signature(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="冻结篡改")
    (submitted,) = _signatures(application.id, "submitted")
    assert check(submitted).status == VALID
    file_id = application.current_files()["1"].id
    db.session.execute(text("UPDATE dossier_files SET sha256 = :h WHERE id = :id"),
                       {"h": "0" * 64, "id": file_id})
    db.session.commit()
    db.session.expire_all()
    assert check(submitted).status == CHANGED


def test_tampered_certificate_revocation_reason_and_scope_decision_are_changed(app, demo):
    from tests.registrations.helpers import certificate_for

    certificate = certificate_for(demo, name="撤销血压计")
    client = client_for(app, "approver")
    from tests.registrations.helpers import post

    page = f"/certificates/{certificate.id}"
    response = post(client, f"{page}/revoke", {"reasons": "检查发现严重问题",
                                               "signature_password": "devreg-demo"},
                    token_from=page)
    assert response.status_code == 302
    (revocation,) = db.session.scalars(select(Signature).where(
        Signature.subject_type == "Certificate", Signature.subject_id == certificate.id))
    assert check(revocation).status == VALID
    db.session.execute(text("UPDATE certificate_changes SET summary = '无' "
                            "WHERE signature_id = :id"), {"id": revocation.id})
    db.session.commit()
    assert check(revocation).status == CHANGED


def test_review_signatures_record_the_state_before_the_action(app, demo):
    """The Why bullet: review signatures recorded the state after the action."""
    application = application_in(demo, K.INITIAL, S.APPROVED, name="前态血压计")
    before = {s.meaning: s.content["state_before"] for s in _signatures(application.id)
              if "state_before" in (s.content or {})}
    assert before == {"accepted": "submitted", "review_recommended_approval": "in_review",
                      "approved": "review_done"}


def test_signature_without_kept_content_is_shown_as_not_checkable(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="旧签名血压计")
    db.session.execute(text("UPDATE signatures SET content = NULL WHERE subject_id = :id "
                            "AND subject_type = 'Application'"), {"id": application.id})
    db.session.commit()
    db.session.expire_all()
    (submitted,) = _signatures(application.id, "submitted")
    assert check(submitted).status == UNCHECKED
    result = _verify(app)
    assert result.exit_code == 0
    assert "1 not checkable" in result.output


def test_edited_stored_content_is_changed_even_if_the_record_matches_it(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, name="改存储内容")
    (opinion,) = _signatures(application.id, "review_recommended_approval")
    forged = {**opinion.content, "opinion": "伪造"}
    db.session.execute(text("UPDATE applications SET opinion_text = '伪造' WHERE id = :id"),
                       {"id": application.id})
    opinion.content = forged
    db.session.commit()
    assert check(opinion).status == CHANGED
