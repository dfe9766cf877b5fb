"""Content of record of the signatures on arrangements (signatures.records)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from devreg.arrangements.models import Arrangement, SupervisionAction
from devreg.extensions import db
from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record


@content_of_record(Arrangement, "confirmed")
def _confirmed(arrangement: Arrangement, signature: Signature) -> dict[str, Any]:
    return {"arrangement": arrangement.id, "device": arrangement.device_id,
            "site": arrangement.site.address, "licence": arrangement.licence.number,
            "agreement": arrangement.agreement_file.sha256
            if arrangement.agreement_file else None}


@content_of_record(Arrangement, "decided")
def _suspension_or_lift(arrangement: Arrangement,
                        signature: Signature) -> dict[str, Any] | None:
    """The n-th "decided" signature signs the n-th suspension or lift recorded."""
    decided = list(db.session.scalars(select(Signature.id).where(
        Signature.subject_type == "Arrangement", Signature.subject_id == arrangement.id,
        Signature.meaning == "decided").order_by(Signature.signed_at, Signature.id)))
    actions = list(db.session.scalars(select(SupervisionAction).where(
        SupervisionAction.arrangement_id == arrangement.id,
        SupervisionAction.kind.in_(("suspension", "lift"))).order_by(SupervisionAction.id)))
    position = decided.index(signature.id)
    if position >= len(actions):
        return None
    action = actions[position]
    flag = "suspend" if action.kind == "suspension" else "lift"
    # Order 53 Art 56-59: the order names the part (holder or factory) it concerns
    return {"arrangement": arrangement.id, flag: True, "reason": action.findings,
            "part": action.part}
