"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015 (docs/rules.md §6)."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(code: str) -> str:
    return code.strip().upper()


def is_valid_uscc(code: str) -> bool:
    """18 characters from the alphabet, a numeric division code, and the right check character."""
    code = normalise_uscc(code)
    if len(code) != 18 or any(ch not in _VALUE for ch in code):
        return False
    if not code[2:8].isdigit():
        return False
    return check_character(code[:17]) == code[17]


def province_code_of(code: str) -> str:
    """The first two digits of the division code name the province (used as a warning only)."""
    return normalise_uscc(code)[2:4]
