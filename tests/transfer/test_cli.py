"""`flask import template KIND` and `flask import KIND FILE [--dry-run]`: one line per error,
a summary line, never a traceback."""

from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import func, select

from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.transfer.columns import KINDS
from tests.foundation.helpers import make_uscc
from tests.transfer.helpers import csv_bytes, header, row_of


def test_template_has_chinese_and_english_headers_and_an_example_row(app, tmp_path):
    out = tmp_path / "c.xlsx"
    result = app.test_cli_runner().invoke(args=["import", "template", "certificates", "-o",
                                                str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    first = [c.value for c in sheet[1]]
    assert first[0] == "注册证编号 / Certificate number"
    assert [c.value for c in sheet[2]] == [c.example or None for c in KINDS["certificates"]]


def test_the_unchanged_template_imports_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "o.xlsx"
    runner.invoke(args=["import", "template", "organisations", "-o", str(out)])
    result = runner.invoke(args=["import", "organisations", str(out)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_dry_run_then_import(app, tmp_path):
    path = tmp_path / "orgs.csv"
    good = row_of("organisations", uscc=make_uscc("91130100MA0AAA001"))
    path.write_bytes(csv_bytes([header("organisations"), good]))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "organisations", str(path), "--dry-run", "--locale",
                              "en"])
    assert dry.exit_code == 0 and "Dry run: 1 rows would be imported" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    done = runner.invoke(args=["import", "organisations", str(path), "--locale", "zh_CN"])
    assert done.exit_code == 0 and "已导入 1 行" in done.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_errors_are_lines_by_row_and_column_and_exit_nonzero(app, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes([header("organisations"),
                                row_of("organisations", province="火星")]))
    result = app.test_cli_runner().invoke(args=["import", "organisations", str(path),
                                                "--locale", "en"])
    assert result.exit_code == 1
    assert "Row 2, column “所在省份 / Province”: Unknown province." in result.output
    assert "Traceback" not in result.output


def test_a_missing_file_is_one_line(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", "organisations",
                                                str(tmp_path / "nope.csv")])
    assert result.exit_code != 0 and "No such file" in result.output
