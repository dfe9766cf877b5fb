"""Reading an import file (XLSX or CSV) into a header and rows of text, refusing with one clear
line whatever is not a clean table: an empty file, a file that is neither XLSX nor UTF-8 CSV,
a GBK file, formulas, merged cells, more rows than IMPORT_MAX_ROWS."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

from devreg.i18n import _


class FileRefused(Exception):
    """The whole file is refused before any row is read; ``message`` is one translated line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    headers: list[str]
    #: (row number as a spreadsheet shows it, cells as text)
    rows: list[tuple[int, list[str]]]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else \
            value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def max_rows() -> int:
    return int(current_app.config["IMPORT_MAX_ROWS"])


def _too_many(count: int) -> FileRefused:
    return FileRefused(_("The file has %(count)s data rows; at most %(max)s can be imported at "
                         "once. Split it into smaller files.", count=f"{count:,}",
                         max=f"{max_rows():,}"))


def read_table(filename: str, data: bytes) -> Table:
    if not data or not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise FileRefused(_("The file is empty."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise FileRefused(_("Only .xlsx and .csv files can be imported."))


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileRefused(_("This file is not an XLSX workbook. Save it as .xlsx (Excel "
                            "workbook) or as CSV UTF-8."))
    try:
        # read-only first: its size is known without loading every cell
        quick = load_workbook(io.BytesIO(data), read_only=True)
        sheet = quick.worksheets[0]
        rows_claimed = (sheet.max_row or 0) - 1
        quick.close()
        if rows_claimed > max_rows():
            # the dimension may count trailing empty rows: count the real ones before refusing
            quick = load_workbook(io.BytesIO(data), read_only=True)
            counted = sum(1 for row in quick.worksheets[0].iter_rows(values_only=True)
                          if any(v not in (None, "") for v in row)) - 1
            quick.close()
            if counted > max_rows():
                raise _too_many(counted)
        book = load_workbook(io.BytesIO(data), data_only=False)
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(_("This file is not an XLSX workbook. Save it as .xlsx (Excel "
                            "workbook) or as CSV UTF-8.")) from None
    sheet = book.worksheets[0]
    merged = sorted(str(r) for r in sheet.merged_cells.ranges)
    if merged:
        raise FileRefused(_("The sheet has merged cells (%(cells)s): unmerge them so that each "
                            "cell holds one value.", cells=", ".join(merged[:5])))
    rows: list[tuple[int, list[str]]] = []
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" or (isinstance(cell.value, str)
                                         and cell.value.startswith("=")):
                raise FileRefused(_("Cell %(cell)s holds a formula: import values only (copy "
                                    "and paste as values).", cell=cell.coordinate))
        rows.append((row[0].row if row else len(rows) + 1, [_cell_text(c.value) for c in row]))
    return _table(rows)


def _read_csv(data: bytes) -> Table:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileRefused(_("The file is not UTF-8 text. Save it as CSV UTF-8 or as "
                                ".xlsx.")) from None
        raise FileRefused(_("The file is encoded in GBK (GB18030), not UTF-8. In Excel choose "
                            "“CSV UTF-8”, or save it as .xlsx.")) from None
    if "\x00" in text:
        raise FileRefused(_("The file is not UTF-8 text. Save it as CSV UTF-8 or as .xlsx."))
    rows: list[tuple[int, list[str]]] = []
    limit = max_rows()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(reader, start=1):
            for index, value in enumerate(row):
                if value.startswith("="):
                    raise FileRefused(_("Cell %(cell)s holds a formula: import values only "
                                        "(copy and paste as values).",
                                        cell=f"{_column_letter(index)}{number}"))
            rows.append((number, [v.strip() for v in row]))
            if len(rows) > limit + 1:
                count = len(rows) - 1 + sum(1 for _row in reader)
                raise _too_many(count)
    except csv.Error:
        raise FileRefused(_("The file is not a readable CSV table.")) from None
    return _table(rows)


def _table(rows: list[tuple[int, list[str]]]) -> Table:
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise FileRefused(_("The file is empty."))
    _header_number, headers = rows[0]
    data_rows = rows[1:]
    if len(data_rows) > max_rows():
        raise _too_many(len(data_rows))
    while headers and not headers[-1]:
        headers = headers[:-1]
    return Table(headers=headers, rows=data_rows)
