"""Writing an empty import template: the Chinese and English headers and one example row (an
unchanged example row is never imported). Hints are cell comments on the headers."""

from __future__ import annotations

import csv
import io

from devreg.transfer.columns import KINDS

BOM = "\ufeff"


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = kind
    columns = KINDS[kind]
    sheet.append([c.header for c in columns])
    sheet.append([c.example for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=column.required)
        if column.hint:
            cell.comment = Comment(str(column.hint), "devreg")
        sheet.column_dimensions[cell.column_letter].width = max(14, len(column.header) + 4)
        # every cell is text: a credit code or a number must not become a number or a date
        for row in (1, 2):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(kind: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in KINDS[kind]])
    writer.writerow([c.example for c in KINDS[kind]])
    return (BOM + out.getvalue()).encode("utf-8")
