"""Certificate numbers {A}械注准{YYYY}{C}{NN}{SSSS} (Order 47 Art 115) and the counters
that hand out serials and acceptance numbers."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from devreg.certificates.models import NumberCounter
from devreg.extensions import db
from devreg.reference.data import CATALOGUE_CODES, IVD_REAGENT_CODE, PROVINCE_BY_ABBREVIATION

CLASS_DIGIT = "2"  # devreg registers domestic Class II only
_ABBR = "".join(PROVINCE_BY_ABBREVIATION)
CERTIFICATE_NUMBER_RE = re.compile(
    rf"^(?P<abbr>[{_ABBR}])械注准(?P<year>[0-9]{{4}})(?P<cls>2)(?P<code>[0-9]{{2}})(?P<serial>[0-9]{{4}})$")


def numbering_code(category_code: str, *, is_ivd_reagent: bool) -> str:
    """The NN part: the catalogue subcategory, or 40 for IVD reagents (Order 48)."""
    return IVD_REAGENT_CODE if is_ivd_reagent else category_code


def format_certificate_number(abbreviation: str, year: int, code: str, serial: int) -> str:
    if code not in CATALOGUE_CODES:
        raise ValueError(f"unknown numbering code {code!r}")
    if not 1 <= serial <= 9999:
        raise ValueError("serial out of range 0001-9999")
    return f"{abbreviation}械注准{year:04d}{CLASS_DIGIT}{code}{serial:04d}"


def is_valid_certificate_number(number: str) -> bool:
    match = CERTIFICATE_NUMBER_RE.fullmatch(number)  # "$" alone also matches before a "\n"
    return bool(match) and match["code"] in CATALOGUE_CODES and match["serial"] != "0000"


def next_value(kind: str, province_code: str, year: int) -> int:
    """Increment and return the counter inside the caller's transaction.

    The UPDATE takes the counter row's lock until commit, so parallel approvals queue up and
    never share a number; a rollback gives the number back, so none is skipped."""
    bump = (
        update(NumberCounter)
        .where(NumberCounter.kind == kind, NumberCounter.province_code == province_code,
               NumberCounter.year == year)
        .values(last_value=NumberCounter.last_value + 1)
        .returning(NumberCounter.last_value)
        .execution_options(synchronize_session=False)
    )
    value = db.session.execute(bump).scalar()
    if value is not None:
        return int(value)
    try:
        with db.session.begin_nested():
            db.session.add(NumberCounter(kind=kind, province_code=province_code, year=year,
                                         last_value=1))
        return 1
    except IntegrityError:
        # another transaction created this year's counter first: queue behind it
        return int(db.session.execute(bump).scalar_one())
