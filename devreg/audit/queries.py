"""Reading and verifying the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarResult, select

from devreg.audit.models import GENESIS_HASH, AuditEvent, chain_hash
from devreg.extensions import db


def history_of(obj: Any) -> list[AuditEvent]:
    """Every event about one record, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == type(obj).__name__,
                   AuditEvent.subject_id == obj.id)
            .order_by(AuditEvent.id)
        )
    )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def _events_in_order() -> ScalarResult[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500)
    )


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain from the start; return how many events checked and the first break."""
    expected_prev = GENESIS_HASH
    count = 0
    # close the streamed result even when returning early: on PostgreSQL it is a server-side
    # cursor that would otherwise stay open in the session's transaction
    with _events_in_order() as events:
        for event in events:
            count += 1
            if event.prev_hash != expected_prev:
                return count, ChainBreak(event.id, "previous-hash link does not match")
            if chain_hash(event.content(), event.prev_hash) != event.hash:
                return count, ChainBreak(event.id, "content does not match its hash")
            expected_prev = event.hash
    return count, None
