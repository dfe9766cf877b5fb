"""Certificate numbers {A}械注准{YYYY}{C}{NN}{SSSS} (Order 47 Art 115): province abbreviation,
year of first registration, class digit 2, catalogue subcategory or 40 for IVD reagents, and a
serial per province and year."""

from __future__ import annotations

import re
from datetime import date

import pytest

from devreg.certificates.numbers import format_certificate_number, is_valid_certificate_number
from tests.registrations.helpers import certificate_for, make_reviewer

D2026 = date(2026, 3, 2)


def _beijing_regulator(demo) -> None:  # type: ignore[no-untyped-def]
    make_reviewer(demo, "reviewer.bj@demo.devreg", org="reg_beijing", duties=("accept", "review"))
    make_reviewer(demo, "approver.bj@demo.devreg", org="reg_beijing", duties=("approve",))


def test_certificate_number_for_subcategory_07_in_hebei_2026(app, demo):
    certificate = certificate_for(demo, approved_on=D2026, category="07")
    assert certificate.number == "冀械注准20262070001"
    assert (certificate.first_year, certificate.serial, certificate.category_code) == (
        2026, 1, "07")
    assert is_valid_certificate_number(certificate.number)


def test_certificate_number_for_ivd_reagent_uses_code_40(app, demo):
    certificate = certificate_for(demo, approved_on=D2026, ivd=True, name="乙肝表面抗原检测试剂盒")
    assert certificate.number == "冀械注准20262400001"
    assert certificate.category_code == "40"


def test_certificate_serial_continues_per_province_and_year(app, demo):
    first = certificate_for(demo, approved_on=D2026, category="07", name="血压计")
    second = certificate_for(demo, approved_on=date(2026, 3, 3), ivd=True, name="试剂盒")
    third = certificate_for(demo, approved_on=date(2026, 12, 31), category="14", name="输液器")
    assert [c.number for c in (first, second, third)] == [
        "冀械注准20262070001", "冀械注准20262400002", "冀械注准20262140003"]


def test_certificate_serial_restarts_in_a_new_year(app, demo):
    certificate_for(demo, approved_on=D2026, name="血压计")
    certificate_for(demo, approved_on=date(2026, 6, 1), name="体温计")
    next_year = certificate_for(demo, approved_on=date(2027, 1, 4), name="血氧仪")
    assert next_year.number == "冀械注准20272070001"


def test_certificate_serial_restarts_in_another_province(app, demo):
    _beijing_regulator(demo)
    certificate_for(demo, approved_on=D2026, name="血压计")
    certificate_for(demo, approved_on=D2026, name="体温计")
    beijing = certificate_for(demo, holder="holder.bj", approved_on=D2026, name="血氧仪")
    assert beijing.number == "京械注准20262070001"
    assert beijing.province_code == "11"


def test_certificate_numbers_are_unique_and_consecutive(app, demo):
    numbers = [certificate_for(demo, approved_on=D2026, name=f"器械{i}").number
               for i in range(5)]
    assert [int(n[-4:]) for n in numbers] == [1, 2, 3, 4, 5]
    assert len(set(numbers)) == 5


@pytest.mark.parametrize("number", [
    "冀械注准20262070001", "京械注准20192400123", "粤械注准20212229999", "黔械注准20262010001",
])
def test_certificate_number_in_official_format_is_valid(number):
    assert is_valid_certificate_number(number)


@pytest.mark.parametrize("number", [
    "冀械注准20263070001",  # class III is registered by the NMPA
    "冀械注进20262070001",  # imported
    "冀械注许20262070001",  # Hong Kong, Macao, Taiwan
    "国械注准20262070001",  # national approval
    "冀械注准20262230001",  # no subcategory 23
    "冀械注准20262000001",  # no subcategory 00
    "冀械注准20262070000",  # serials start at 0001
    "冀械注准2026207001",  # too short
    "冀械注准202620700011",  # too long
    "X械注准20262070001",  # not a province abbreviation
    "冀械备20262070001",  # a Class I filing
    " 冀械注准20262070001",
    "冀械注准20262070001\n",
    "冀械注准２０２６２０７０００１",  # full-width digits
    "",
])
def test_certificate_number_in_other_format_is_invalid(number):
    assert not is_valid_certificate_number(number)


def test_format_certificate_number_rejects_unknown_code_and_serial_out_of_range():
    assert format_certificate_number("冀", 2026, "07", 1) == "冀械注准20262070001"
    for code, serial in (("23", 1), ("07", 0), ("07", 10000)):
        with pytest.raises(ValueError, match=r"numbering code|serial"):
            format_certificate_number("冀", 2026, code, serial)


def test_certificate_number_shown_on_certificate_and_print_pages(app, demo):
    from tests.registrations.helpers import client_for, text_of

    certificate = certificate_for(demo, approved_on=D2026)
    client = client_for(app, "holder")
    for path in (f"/certificates/{certificate.id}", f"/certificates/{certificate.id}/print"):
        page = text_of(client.get(path))
        assert re.search(re.escape(certificate.number), page)
        assert "2031-03-01" in page  # the last valid day


def test_certificate_serial_counts_per_code_when_set(app, demo, monkeypatch):
    # CERTIFICATE_SERIAL_SCOPE: an interpretation (Order 47 Art 115 does not say)
    monkeypatch.setitem(app.config, "CERTIFICATE_SERIAL_SCOPE", "authority_year_code")
    first = certificate_for(demo, approved_on=D2026, category="07", name="血压计")
    other_code = certificate_for(demo, approved_on=D2026, category="14", name="输液器")
    same_code = certificate_for(demo, approved_on=D2026, category="07", name="体温计")
    assert [c.number for c in (first, other_code, same_code)] == [
        "冀械注准20262070001", "冀械注准20262140001", "冀械注准20262070002"]
