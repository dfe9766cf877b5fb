"""Document numbers. The law prescribes none (interpretation, docs/rules.md §18): devreg numbers
each kind per province and year, as DOCUMENT_NUMBER_FORMAT says, from the same gap-free
counters as certificate serials (devreg.certificates.numbers.next_value)."""

from __future__ import annotations

from datetime import date

from flask import current_app

from devreg.certificates.numbers import next_value
from devreg.documents.kinds import NUMBER_WORDS, DocumentKind
from devreg.extensions import db
from devreg.reference.models import Province

DEFAULT_FORMAT = "{abbr}械{word}〔{year}〕{serial:04d}号"


def format_number(kind: DocumentKind, *, abbreviation: str, year: int, serial: int,
                  pattern: str | None = None) -> str:
    pattern = pattern or current_app.config.get("DOCUMENT_NUMBER_FORMAT") or DEFAULT_FORMAT
    return pattern.format(abbr=abbreviation, word=NUMBER_WORDS[kind], year=year, serial=serial,
                          kind=kind.value)


def next_number(kind: DocumentKind, province_code: str, on: date) -> str:
    """The next number of ``kind`` in ``province_code`` for ``on``'s year, taken inside the
    caller's transaction (a rollback gives it back)."""
    serial = next_value(f"doc_{kind.value}"[:20], province_code, on.year)
    province = db.session.get(Province, province_code)
    return format_number(kind, abbreviation=province.abbreviation if province else province_code,
                         year=on.year, serial=serial)
