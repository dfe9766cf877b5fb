"""Production licence numbers (SAMR Order 53)."""

from __future__ import annotations

import pytest

from devreg.production.numbers import parse_licence_number

YEAR = 2026


def parse(number: str, current_year: int = YEAR):  # type: ignore[no-untyped-def]
    return parse_licence_number(number, current_year=current_year)


def test_parse_current_form_is_valid():
    parsed = parse("冀药监械生产许20190001号")
    assert parsed is not None
    assert (parsed.province_code, parsed.year, parsed.serial, parsed.old_style) == (
        "13", 2019, "0001", False)


@pytest.mark.parametrize(("number", "province"), [
    ("苏药监械生产许20210015号", "32"), ("京药监械生产许20220088号", "11"),
    ("黔药监械生产许20230100号", "52"), ("滇药监械生产许20000001号", "53"),
])
def test_parse_each_province_abbreviation_is_valid(number, province):
    parsed = parse(number)
    assert parsed is not None
    assert parsed.province_code == province


@pytest.mark.parametrize("year", [2000, 2015, 2019, 2021])
def test_parse_old_style_before_2022_is_valid(year):
    parsed = parse(f"冀食药监械生产许{year}0001号")
    assert parsed is not None
    assert parsed.old_style
    assert parsed.year == year
    assert parsed.province_code == "13"


@pytest.mark.parametrize("year", [2022, 2023, YEAR])
def test_parse_old_style_from_2022_is_invalid(year):
    assert parse(f"冀食药监械生产许{year}0001号") is None
    assert parse(f"冀药监械生产许{year}0001号") is not None  # the new spelling is fine


@pytest.mark.parametrize("number", [
    "港药监械生产许20190001号",  # Hong Kong: not a mainland province
    "X药监械生产许20190001号",
    "药监械生产许20190001号",  # no abbreviation
    "冀冀药监械生产许20190001号",
    "国药监械生产许20190001号",
])
def test_parse_unknown_abbreviation_is_invalid(number):
    assert parse(number) is None


def test_parse_missing_hao_is_invalid():
    assert parse("冀药监械生产许20190001") is None
    assert parse("冀药监械生产许20190001號") is None  # traditional character


@pytest.mark.parametrize("digits", ["2019001", "201900001", "20190", "2019", "", "201900010"])
def test_parse_wrong_digit_count_is_invalid(digits):
    assert parse(f"冀药监械生产许{digits}号") is None


def test_parse_future_year_is_invalid():
    assert parse(f"冀药监械生产许{YEAR + 1}0001号") is None
    assert parse(f"冀药监械生产许{YEAR}0001号") is not None
    assert parse("冀药监械生产许20190001号", current_year=2018) is None


def test_parse_year_before_2000_is_invalid():
    assert parse("冀药监械生产许19990001号") is None
    assert parse("冀食药监械生产许19990001号") is None


def test_parse_serial_zero_is_invalid():
    assert parse("冀药监械生产许20190000号") is None


def test_parse_fullwidth_digits_are_invalid():
    # Only ASCII digits appear in the official number; full-width digits would let the same
    # licence be recorded twice under two spellings.
    assert parse("冀药监械生产许２０１９０００１号") is None
    assert parse("冀药监械生产许2019000１号") is None


def test_parse_other_wording_is_invalid():
    assert parse("冀药监械经营许20190001号") is None  # a trading (经营) licence
    assert parse("冀械生产许20190001号") is None
    assert parse("冀药监械生产许 20190001号") is None


def test_parse_surrounding_whitespace_is_ignored():
    parsed = parse("  冀药监械生产许20190001号\n")
    assert parsed is not None
    assert parsed.serial == "0001"
