"""Production licence numbers (SAMR Order 53 Art 14; docs/rules.md §6).

Current form: {A}药监械生产许{YYYY}{SSSS}号, e.g. 冀药监械生产许20190001号.
Licences issued before 2022 may read {A}食药监械生产许{YYYY}{SSSS}号; both are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devreg.reference.data import PROVINCE_BY_ABBREVIATION

_ABBREVIATIONS = "".join(PROVINCE_BY_ABBREVIATION)
LICENCE_NUMBER_RE = re.compile(
    rf"^(?P<abbr>[{_ABBREVIATIONS}])(?P<old>食)?药监械生产许(?P<year>[0-9]{{4}})(?P<serial>[0-9]{{4}})号$"
)
FIRST_YEAR = 2000  # medical device production licences in this numbering began after 2000


@dataclass(frozen=True)
class LicenceNumber:
    province_code: str
    year: int
    serial: str
    old_style: bool


def parse_licence_number(number: str, *, current_year: int) -> LicenceNumber | None:
    """The parts of a valid licence number, or None when it is not in the official format.

    The 食药监 spelling is only accepted for licences issued before 2022, when the
    administration was renamed.
    """
    match = LICENCE_NUMBER_RE.match(number.strip())
    if not match:
        return None
    year = int(match["year"])
    if not FIRST_YEAR <= year <= current_year:
        return None
    if match["old"] and year >= 2022:
        return None
    if match["serial"] == "0000":
        return None
    return LicenceNumber(
        province_code=PROVINCE_BY_ABBREVIATION[match["abbr"]],
        year=year,
        serial=match["serial"],
        old_style=bool(match["old"]),
    )
