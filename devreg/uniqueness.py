"""What must never exist twice is a (partial) unique index; this turns its violation into the
same clear DomainError the service's own check gives (STYLE.md 2.3), so a double click or two
parallel requests get the message, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from devreg.errors import DomainError
from devreg.extensions import db


def _columns_of(name: str) -> tuple[str, list[str]] | None:
    for table in db.metadata.tables.values():
        for item in (*table.indexes, *table.constraints):
            if isinstance(item, Index | UniqueConstraint) and item.name == name:
                return table.name, [c.name for c in item.columns]
    return None


def violates(error: IntegrityError, names: tuple[str, ...]) -> bool:
    """Whether ``error`` is a unique violation of one of the named indexes or constraints."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg) names the constraint
        return getattr(diag, "constraint_name", None) in names
    message = str(error.orig)  # SQLite: "UNIQUE constraint failed: table.col, table.col"
    for name in names:
        found = _columns_of(name)
        if found and message.endswith(", ".join(f"{found[0]}.{c}" for c in found[1])):
            return True
    return False


@contextmanager
def unique_or_refuse(message: str, *names: str) -> Iterator[None]:
    """Wrap the flush that inserts the row; the caller's transaction is then rolled back by
    the view (or command), as for any DomainError."""
    try:
        yield
    except IntegrityError as error:
        if not violates(error, names):
            raise
        raise DomainError(message) from error
