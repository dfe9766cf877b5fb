"""Reading and verifying the audit trail.

Verification streams the trail in keyset batches (bounded memory at any size) and checks three
things: each event's hash (HMAC under AUDIT_KEY, or SHA-256 for the legacy segment) and its link
to the previous one; the trail against every signed checkpoint kept outside the database; and
every audited row against the state its events reconstruct (an SQL edit of a row is reported
with the record and field)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from devreg.audit.checkpoints import Checkpoint
from devreg.audit.models import (
    GENESIS_HASH,
    KEYED,
    LEGACY,
    AuditEvent,
    audit_key,
    event_content,
    keyed_hash,
    legacy_hash,
    snapshot,
)
from devreg.extensions import db

BATCH = 5000
ROW_BATCH = 500
PROGRESS_EVERY = 100_000
MAX_PROBLEMS = 1000

Progress = Callable[[str], None]


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


def trail_head() -> tuple[int, int | None, str]:
    """(number of events, newest id, newest hash)."""
    count = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    head = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return count, (head.id if head else None), (head.hash if head else GENESIS_HASH)


def legacy_count() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.chain_version == LEGACY)) or 0


_CHAIN_COLUMNS = (AuditEvent.id, AuditEvent.created_at, AuditEvent.actor_id,
                  AuditEvent.actor_email, AuditEvent.client_address, AuditEvent.subject_type,
                  AuditEvent.subject_id, AuditEvent.action, AuditEvent.before, AuditEvent.after,
                  AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.chain_version)


def _events_after(last_id: int) -> Iterator[Any]:
    """Every event with id > last_id, oldest first, fetched BATCH at a time."""
    while True:
        rows = db.session.execute(
            select(*_CHAIN_COLUMNS).where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id).limit(BATCH)).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last_id = rows[-1].id


def _content(row: Any) -> dict[str, Any]:
    return event_content(created_at=row.created_at, actor_id=row.actor_id,
                         actor_email=row.actor_email, client_address=row.client_address,
                         subject_type=row.subject_type, subject_id=row.subject_id,
                         action=row.action, before=row.before, after=row.after)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass
class ChainReport:
    first_break: ChainBreak | None = None
    events: int = 0
    legacy: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _event_problem(row: Any, expected_prev: str, seen_keyed: bool, key: bytes) -> str | None:
    """Why this event does not continue the chain, or None."""
    if row.prev_hash != expected_prev:
        return "previous-hash link does not match"
    if row.chain_version == LEGACY:
        if seen_keyed:
            return "a legacy (unkeyed) event after keyed events"
        if legacy_hash(_content(row), row.prev_hash) != row.hash:
            return "content does not match its hash"
        return None
    if row.chain_version == KEYED:
        if keyed_hash(_content(row), row.prev_hash, key) != row.hash:
            return "content does not match its hash (HMAC under AUDIT_KEY)"
        return None
    return f"unknown chain version {row.chain_version}"


def extends(checkpoint: Checkpoint) -> str | None:
    """Whether the trail still holds the checkpoint's head at its position and every later event
    continues the chain (what `audit checkpoint` needs: it reads only the events since)."""
    events = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    if events < checkpoint.events:
        return (f"TRUNCATED: the {checkpoint.label()} recorded {checkpoint.events} events "
                f"(newest id {checkpoint.head_id}), the trail now holds {events}")
    last_id, prev = 0, GENESIS_HASH
    if checkpoint.events:
        head = db.session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id)
                                  .offset(checkpoint.events - 1).limit(1)).one()
        if head.hash != checkpoint.head_hash:
            return (f"REWRITTEN: the {checkpoint.label()} recorded event {checkpoint.events} "
                    f"with hash {checkpoint.head_hash[:12]}…, the trail now has "
                    f"{head.hash[:12]}… (events rewritten, deleted or re-chained)")
        last_id, prev = head.id, head.hash
    key, seen_keyed = audit_key(), checkpoint.legacy < checkpoint.events
    for row in _events_after(last_id):
        reason = _event_problem(row, prev, seen_keyed, key)
        if reason:
            return f"BROKEN at event {row.id}: {reason}"
        seen_keyed = seen_keyed or row.chain_version == KEYED
        prev = row.hash
    return None


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the chain from the start; return how many events checked and the first break."""
    report = verify_trail()
    return report.events, report.first_break


def verify_trail(checkpoints: Iterable[Checkpoint | tuple[int, str]] = (),
                 progress: Progress | None = None) -> ChainReport:
    """The chain from the start and against every checkpoint; each problem is one line."""
    report = ChainReport()
    at_position: dict[int, list[Checkpoint]] = {}
    for item in checkpoints:
        if isinstance(item, Checkpoint):
            at_position.setdefault(item.events, []).append(item)
            report.checkpoints += 1
        else:
            report.problems.append(f"CHECKPOINT line {item[0]} {item[1]}")
    key = audit_key()
    expected_prev = GENESIS_HASH
    broken = False
    seen_keyed = False
    for row in _events_after(0):
        report.events += 1
        position = report.events
        if not broken:
            reason = _event_problem(row, expected_prev, seen_keyed, key)
            seen_keyed = seen_keyed or row.chain_version == KEYED
            if reason:
                report.problems.append(f"BROKEN at event {row.id}: {reason}")
                report.first_break = ChainBreak(row.id, reason)
                broken = True
        if row.chain_version == LEGACY:
            report.legacy += 1
        for checkpoint in at_position.pop(position, []):
            if checkpoint.head_hash != row.hash:
                report.problems.append(
                    f"REWRITTEN: the {checkpoint.label()} recorded event {checkpoint.events} "
                    f"with hash {checkpoint.head_hash[:12]}…, the trail now has "
                    f"{row.hash[:12]}… (events rewritten, deleted or re-chained)")
            elif checkpoint.legacy != report.legacy:
                report.problems.append(
                    f"REWRITTEN: the {checkpoint.label()} counted {checkpoint.legacy} legacy "
                    f"events, the trail now has {report.legacy} up to that point")
        expected_prev = row.hash
        report.head_id, report.head_hash = row.id, row.hash
        if progress and position % PROGRESS_EVERY == 0:
            progress(f"audit verify: {position} events checked")
    for missing in sorted(at_position):
        for checkpoint in at_position[missing]:
            report.problems.append(
                f"TRUNCATED: the {checkpoint.label()} recorded {checkpoint.events} events "
                f"(newest id {checkpoint.head_id}), the trail now holds {report.events}")
    return report


# --- rows against the trail -------------------------------------------------------------------

def audited_models() -> list[type]:
    """Every model that declares audit_fields, by name (the events' subject_type)."""
    found = {m.class_.__name__: m.class_ for m in db.Model.registry.mappers
             if getattr(m.class_, "audit_fields", None)}
    return [found[name] for name in sorted(found)]


@dataclass
class _Trail:
    subject_id: int
    state: dict[str, Any] | None  #: None once the trail records the deletion
    created: bool  #: the trail holds the record's creation (so every field is known)


def _subject_events(subject_type: str) -> Iterator[Any]:
    """Every event of one record type, by record then time, fetched BATCH at a time.

    The keyset is the record id alone, so each batch is a range scan of the (subject_type,
    subject_id) index; a batch ending inside one record's events is cut back to the records it
    holds whole, and a record with more than BATCH events is read on its own, by event id."""
    columns = (AuditEvent.id, AuditEvent.subject_id, AuditEvent.action, AuditEvent.before,
               AuditEvent.after)
    last_subject = -1
    while True:
        rows = db.session.execute(
            select(*columns).where(AuditEvent.subject_type == subject_type,
                                   AuditEvent.subject_id > last_subject)
            .order_by(AuditEvent.subject_id, AuditEvent.id).limit(BATCH)).all()
        if len(rows) < BATCH:
            yield from rows
            return
        whole = [r for r in rows if r.subject_id != rows[-1].subject_id]
        if whole:
            yield from whole
            last_subject = whole[-1].subject_id
            continue
        subject, last_id = rows[-1].subject_id, 0  # one record with BATCH events or more
        while True:
            own = db.session.execute(
                select(*columns).where(AuditEvent.subject_type == subject_type,
                                       AuditEvent.subject_id == subject, AuditEvent.id > last_id)
                .order_by(AuditEvent.id).limit(BATCH)).all()
            yield from own
            if len(own) < BATCH:
                break
            last_id = own[-1].id
        last_subject = subject


def _trail_states(subject_type: str) -> Iterator[_Trail]:
    """Per record of one type, in id order: the state its events add up to."""
    current: _Trail | None = None
    for row in _subject_events(subject_type):
        if current is None or current.subject_id != row.subject_id:
            if current is not None:
                yield current
            current = _Trail(row.subject_id, {}, False)
        if row.action == "delete":
            current.state = None
        elif row.before is None:  # a creation carries the whole record
            current.state, current.created = dict(row.after or {}), True
        elif current.state is not None:
            current.state.update(row.after or {})
    if current is not None:
        yield current


def _live_rows(session: Session, model: type) -> Iterator[tuple[int, dict[str, Any]]]:
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    last: Any = None
    while True:
        query = select(model).order_by(pk).limit(ROW_BATCH)
        if last is not None:
            query = query.where(pk > last)
        objects = session.scalars(query).unique().all()
        batch = [(getattr(obj, pk.key), snapshot(obj)) for obj in objects]
        session.expunge_all()  # bounded memory: forget the batch before the next
        yield from batch
        if len(objects) < ROW_BATCH:
            return
        last = batch[-1][0]


def _same(recorded: Any, live: Any) -> bool:
    if recorded == live:
        return True
    if isinstance(recorded, str) and isinstance(live, str):
        try:  # one instant written with another offset (+08:00 in the event, UTC in the row)
            return datetime.fromisoformat(recorded) == datetime.fromisoformat(live)
        except ValueError:
            return False
    return False


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def verify_rows(progress: Progress | None = None) -> list[str]:
    """Every audited row must hold what its events say; one line per record and field."""
    problems: list[str] = []
    # a session of its own on the same connection (sees the same transaction, e.g. a restore
    # not yet committed) whose identity map is emptied batch by batch
    with Session(bind=db.session.connection(), autoflush=False) as session:
        for model in audited_models():
            name = model.__name__
            fields = model.audit_fields  # type: ignore[attr-defined]
            trail, live = _trail_states(name), _live_rows(session, model)
            recorded, row = next(trail, None), next(live, None)
            while recorded is not None or row is not None:
                if row is not None and (recorded is None or row[0] < recorded.subject_id):
                    problems.append(f"ROW {name} {row[0]}: no event in the trail created it "
                                    "(inserted behind the application)")
                    row = next(live, None)
                    continue
                if recorded is not None and (row is None or recorded.subject_id < row[0]):
                    if recorded.state is not None:
                        problems.append(f"ROW {name} {recorded.subject_id}: missing, but the "
                                        "trail records no deletion")
                    recorded = next(trail, None)
                    continue
                if recorded is None or row is None:  # pragma: no cover - handled above
                    break
                if recorded.state is None:
                    problems.append(f"ROW {name} {row[0]}: present, but the trail records its "
                                    "deletion")
                else:
                    for field_name in fields:
                        if field_name not in recorded.state:
                            continue  # a record older than the trail: only known fields count
                        if not _same(recorded.state[field_name], row[1].get(field_name)):
                            problems.append(
                                f"ROW {name} {row[0]} field {field_name}: the trail says "
                                f"{_shown(recorded.state[field_name])}, the row holds "
                                f"{_shown(row[1].get(field_name))}")
                recorded, row = next(trail, None), next(live, None)
                if len(problems) > MAX_PROBLEMS:
                    return problems
            if progress:
                progress(f"audit verify: {name} rows checked")
    return problems
