"""Signatures checked when shown: the "content of record" registry.

Each domain registers, per (subject type, meaning), a builder that recomputes from the live
record what a signature of that meaning covered. A signature is valid while the hash of the
recomputed content equals its stored hash (and the stored content still hashes to it); any
later write to the signed fields, an SQL edit included, shows as "the record changed after it
was signed" (docs/rules.md §10: signatures bound to their record; 21 CFR 11.70)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from devreg.extensions import db
from devreg.signatures.models import Signature
from devreg.signatures.services import bound_content, content_hash

#: builder(subject, signature) -> the content as the live record gives it now, or None when
#: the record no longer holds what was signed (for instance a row it relied on is gone)
Builder = Callable[[Any, Signature], "dict[str, Any] | None"]

_BUILDERS: dict[tuple[str, str], Builder] = {}
_SUBJECTS: dict[str, type] = {}

VALID, CHANGED, UNCHECKED = "valid", "changed", "unchecked"


def content_of_record(model: type, *meanings: str) -> Callable[[Builder], Builder]:
    """Register ``builder`` for signatures of ``meanings`` on records of ``model``."""
    def register(builder: Builder) -> Builder:
        _SUBJECTS[model.__name__] = model
        for meaning in meanings:
            key = (model.__name__, meaning)
            if key in _BUILDERS:
                raise ValueError(f"content of record for {key} registered twice")
            _BUILDERS[key] = builder
        return builder
    return register


@dataclass(frozen=True)
class SignatureCheck:
    status: str  # valid | changed | unchecked
    #: signed content keys whose value differs now (shown to help find what changed)
    changed_keys: tuple[str, ...] = ()

    @property
    def is_valid(self) -> bool:
        return self.status == VALID

    @property
    def is_changed(self) -> bool:
        return self.status == CHANGED


def stored(signature: Signature, key: str, default: Any = None) -> Any:
    """A value only the signed content knows (e.g. the state a decision was taken in)."""
    return (signature.content or {}).get(key, default)


def check(signature: Signature) -> SignatureCheck:
    builder = _BUILDERS.get((signature.subject_type, signature.meaning))
    model = _SUBJECTS.get(signature.subject_type)
    if builder is None or model is None:
        return SignatureCheck(UNCHECKED)
    if signature.content is None:
        # signed before devreg kept the signed content: its builder may need stored values
        return SignatureCheck(UNCHECKED)

    def hashed(content: dict[str, Any]) -> str:
        return content_hash(bound_content(signature.subject_type, signature.subject_id,
                                          signature.meaning, content))

    if hashed(signature.content) != signature.content_hash:
        return SignatureCheck(CHANGED, ("*",))
    subject = db.session.get(model, signature.subject_id)
    recomputed = builder(subject, signature) if subject is not None else None
    if recomputed is None:
        return SignatureCheck(CHANGED, ("*",))
    recomputed = _as_stored(recomputed)
    if hashed(recomputed) == signature.content_hash:
        return SignatureCheck(VALID)
    keys = sorted(k for k in set(recomputed) | set(signature.content)
                  if recomputed.get(k) != signature.content.get(k))
    return SignatureCheck(CHANGED, tuple(keys))


def _as_stored(content: dict[str, Any]) -> dict[str, Any]:
    import json

    from devreg.signatures.services import canonical_json

    return json.loads(canonical_json(content))  # type: ignore[no-any-return]


def all_signatures(batch: int = 500) -> Iterator[Signature]:
    last = 0
    while True:
        rows = list(db.session.scalars(select(Signature).where(Signature.id > last)
                                       .order_by(Signature.id).limit(batch)))
        if not rows:
            return
        yield from rows
        last = rows[-1].id
