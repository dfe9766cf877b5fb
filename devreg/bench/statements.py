"""Counting the SQL statements a piece of work runs (the statement-count tests and the
benchmark's "statements per page" column)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: Engine) -> Iterator[StatementLog]:
    log = StatementLog()

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
