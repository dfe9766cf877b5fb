"""Building import files in tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from devreg.transfer.columns import KINDS


def csv_bytes(rows: list[list[str]], *, bom: bool = True, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    text = ("\ufeff" if bom and encoding == "utf-8" else "") + out.getvalue()
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, merge: str | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header(kind: str) -> list[str]:
    return [c.header for c in KINDS[kind]]


def row_of(kind: str, **values: str) -> list[str]:
    """A row in template order: the template's example, with ``values`` instead."""
    return [values.get(c.key, c.example) for c in KINDS[kind]]


def certificate_row(holder: str, /, **values: str) -> list[str]:
    base = {"number": "冀械注准20262070137", "first_year": "2026", "holder_uscc": holder,
            "approved_on": "2026-01-12", "valid_from": "2026-01-12",
            "valid_until": "2031-01-11", "status": "有效", "change_history": "",
            "technical_requirements": "冀械注准20262070137 产品技术要求"}
    base.update(values)
    return row_of("certificates", **base)
