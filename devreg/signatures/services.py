"""The signing step every regulatory decision goes through."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from devreg.auth.models import User
from devreg.auth.services import signing_password_refusal
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.signatures.meanings import MEANINGS
from devreg.signatures.models import Signature


class SignatureRefused(DomainError):
    pass


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def bound_content(subject_type: str, subject_id: int, meaning: str,
                  content: dict[str, Any]) -> dict[str, Any]:
    """What the hash covers: the content plus the record and meaning it is bound to."""
    return {"subject_type": subject_type, "subject_id": subject_id, "meaning": meaning,
            "content": content}


_VERIFIED = "devreg_verified_signers"
_PROCESS_KEY = secrets.token_bytes(32)  # fingerprints of checked passwords, never stored


def _fingerprint(password: str) -> str:
    return hmac.new(_PROCESS_KEY, password.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_signer(signer: User, password: str) -> None:
    """Check the signer's password; a wrong one signs nothing. Signing services call this
    first, before they change or flush anything: argon2 takes about half a second, and it must
    not run while the transaction holds a write lock (SQLite's covers the whole database)."""
    refusal = signing_password_refusal(signer, password)  # counts toward the sign-in lockout
    if refusal is not None:
        raise SignatureRefused(refusal)
    if not signer.is_active:
        raise SignatureRefused(_("This account is deactivated and cannot sign."))
    db.session.info.setdefault(_VERIFIED, {})[signer.id] = _fingerprint(password)


def sign(subject: Any, *, signer: User, password: str, meaning: str,
         content: dict[str, Any]) -> Signature:
    """Record the signature, re-checking the signer's password unless verify_signer() already
    checked it in this transaction.

    ``content`` is what the signer attests to (for instance the decision and its reasons); its
    hash, the subject's type and id are stored so the signature cannot be moved to another record.
    """
    if meaning not in MEANINGS:
        raise ValueError(f"unknown signature meaning {meaning!r}")
    checked = db.session.info.get(_VERIFIED, {}).get(signer.id)
    if not (password and checked and hmac.compare_digest(checked, _fingerprint(password))):
        verify_signer(signer, password)
    if not signer.is_active:
        raise SignatureRefused(_("This account is deactivated and cannot sign."))
    # kept as stored JSON reads it back (dates as text), so it can be recomputed and compared
    content = json.loads(canonical_json(content))
    bound = bound_content(type(subject).__name__, subject.id, meaning, content)
    signature = Signature(
        signer_id=signer.id,
        printed_name=signer.display_name,
        meaning=meaning,
        signed_at=utcnow(),
        subject_type=type(subject).__name__,
        subject_id=subject.id,
        content_hash=content_hash(bound),
        content=content,
    )
    db.session.add(signature)
    db.session.flush()
    return signature


def signatures_of(subject: Any) -> list[Signature]:
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.subject_type == type(subject).__name__,
                   Signature.subject_id == subject.id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_verified_signers(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint ends, the transaction goes on
        session.info.pop(_VERIFIED, None)
