"""Unified Social Credit Code validation (GB 32100-2015)."""

from __future__ import annotations

import pytest

from devreg.orgs.uscc import ALPHABET, check_character, is_valid_uscc, normalise_uscc

VALID = ("91350100M000100Y43", "91110000802100433B")


@pytest.mark.parametrize("code", VALID)
def test_validate_known_good_code_is_valid(code):
    assert is_valid_uscc(code)
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID)
def test_validate_any_single_character_changed_is_invalid(code):
    accepted = []
    for position in range(18):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            if is_valid_uscc(changed):
                accepted.append(changed)
    assert accepted == []


@pytest.mark.parametrize("code", VALID)
def test_validate_wrong_check_character_is_invalid(code):
    for wrong in ALPHABET:
        if wrong != code[17]:
            assert not is_valid_uscc(code[:17] + wrong), code[:17] + wrong


@pytest.mark.parametrize("code", VALID)
def test_validate_lowercase_code_is_normalised_and_valid(code):
    lower = code.lower()
    assert lower != code
    assert is_valid_uscc(lower)
    assert is_valid_uscc(f"  {lower} ")
    assert normalise_uscc(f" {lower}\n") == code


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V", "i", "o", "z", "s", "v"])
def test_validate_forbidden_letter_is_invalid(letter):
    # position 8 holds a letter in a valid code (the organisation code part)
    code = VALID[0]
    assert not is_valid_uscc(code[:8] + letter + code[9:])
    # also as the check character
    assert not is_valid_uscc(code[:17] + letter)


def test_check_character_any_prefix_is_never_a_forbidden_letter():
    assert not set("IOZSV") & set(ALPHABET)
    assert len(ALPHABET) == 31
    produced = {check_character(f"9135010{n:010d}") for n in range(0, 3100, 7)}
    assert not produced & set("IOZSV")


@pytest.mark.parametrize("code", [
    "", "9", VALID[0][:17], VALID[0] + "0", VALID[0][:16], VALID[0] + VALID[0],
])
def test_validate_length_not_18_is_invalid(code):
    assert len(code) != 18
    assert not is_valid_uscc(code)


def test_validate_letter_in_division_code_is_invalid():
    first17 = "91A50100M000100Y4"  # division code (characters 3-8) must be digits
    assert not is_valid_uscc(first17 + check_character(first17))


def test_validate_non_alphabet_characters_are_invalid():
    code = VALID[0]
    for bad in ("-", " ", "*", "Ａ", "９"):
        assert not is_valid_uscc(code[:10] + bad + code[11:]), bad
