"""Item 8: each bad file gets one clear line in the reader's language, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from devreg.audit.services import acting_as
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.transfer.services import run_import
from tests.transfer.helpers import csv_bytes, header, row_of, xlsx_bytes

ORG = row_of("organisations")


def _run(name: str, data: bytes, kind: str = "organisations"):  # type: ignore[no-untyped-def]
    with acting_as(None, "test-import"):
        report = run_import(kind, name, data, actor_id=None, dry_run=False)
    db.session.commit()
    assert not report.ok and not report.written
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    [line] = report.error_lines()
    assert "\n" not in line
    return line


def _org_rows(n: int) -> list[list[str]]:
    from tests.foundation.helpers import make_uscc

    return [row_of("organisations", uscc=make_uscc(f"9113010000000{i:04d}"),
                   name_zh=f"企业{i}") for i in range(n)]


@pytest.mark.parametrize(("name", "data", "words"), [
    ("a.csv", b"", "empty"),
    ("a.csv", b"\xef\xbb\xbf\r\n", "empty"),
    ("a.xlsx", b"", "empty"),
    ("a.pdf", b"%PDF-1.4", "Only .xlsx and .csv"),
    ("a.xlsx", b"name,uscc\n1,2\n", "not an XLSX"),
    ("a.xlsx", b"PK\x03\x04 broken zip", "not an XLSX"),
])
def test_empty_files_and_files_that_are_not_xlsx(name, data, words):
    assert words in _run(name, data)


def test_gbk_csv_is_refused_with_the_encoding_named():
    line = _run("gbk.csv", csv_bytes([header("organisations"), ORG], bom=False, encoding="gbk"))
    assert "GBK" in line and "UTF-8" in line


def test_missing_columns_are_named():
    line = _run("a.csv", csv_bytes([header("organisations")[:-2], ORG[:-2]]))
    assert "missing columns" in line and "Address" in line and "Roles" in line


def test_extra_columns_are_named():
    line = _run("a.csv", csv_bytes([[*header("organisations"), "备注"], [*ORG, "x"]]))
    assert "not in the template" in line and "备注" in line


def test_wrong_template_is_named():
    line = _run("a.csv", csv_bytes([header("certificates"), row_of("certificates")]))
    assert "Certificates issued before go-live" in line and "Organisations" in line


def test_no_header_at_all():
    assert "not the header" in _run("a.csv", csv_bytes([["a", "b"], ["1", "2"]]))


def test_formulas_are_refused_in_xlsx_and_csv():
    xlsx = xlsx_bytes([header("organisations"), [*ORG[:-1], "=HYPERLINK(\"x\")"]])
    assert "F2" in _run("a.xlsx", xlsx) and "formula" in _run("a.xlsx", xlsx)
    csv_line = _run("a.csv", csv_bytes([header("organisations"), [*ORG[:-1], "=1+1"]]))
    assert "F2" in csv_line and "formula" in csv_line


def test_merged_cells_are_refused():
    line = _run("a.xlsx", xlsx_bytes([header("organisations"), ORG, ORG], merge="B2:B3"))
    assert "merged" in line and "B2:B3" in line


def test_more_rows_than_the_cap_are_refused_with_the_cap_named(app):
    app.config["IMPORT_MAX_ROWS"] = 50
    try:
        line = _run("big.csv", csv_bytes([header("organisations"), *_org_rows(51)]))
        xlsx_line = _run("big.xlsx", xlsx_bytes([header("organisations"), *_org_rows(51)]))
    finally:
        app.config["IMPORT_MAX_ROWS"] = 20000
    assert "51" in line and "50" in line and "Split" in line
    assert "51" in xlsx_line and "Split" in xlsx_line


def test_a_file_of_100000_rows_is_refused_without_reading_it_all():
    rows = b"\n".join([b"x,y"] * 100_001)
    line = _run("huge.csv", ",".join(header("organisations")).encode() + b"\n" + rows)
    assert "100,001" in line and "20,000" in line


def test_the_reason_is_in_chinese_for_a_chinese_reader(app):
    from flask_babel import force_locale

    with force_locale("zh_CN"):
        line = _run("a.csv", b"")
    assert line == "文件为空。"


def test_the_example_row_of_the_template_is_never_imported():
    with acting_as(None, "test-import"):
        report = run_import("organisations", "t.csv", csv_bytes([header("organisations"), ORG]),
                            actor_id=None, dry_run=False)
    assert report.count("example") == 1 and report.count("new") == 0
