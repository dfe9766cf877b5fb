"""Cell values: dates, provinces, lists, roles. Each parser returns None for a value it cannot
read; the caller names the row and column."""

from __future__ import annotations

import re
from datetime import date

from devreg.reference.data import ISSUING_AUTHORITIES

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SPLIT_RE = re.compile(r"[;；\n]+")
_TOKEN_RE = re.compile(r"[;；,，、\s]+")


def parse_date(text: str) -> date | None:
    match = _DATE_RE.match(text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_province(text: str) -> str | None:
    """A division code (13), Chinese name (河北省 or 河北), English name or abbreviation (冀)."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    for code, en, zh, abbr in ISSUING_AUTHORITIES:
        short_zh = zh.removesuffix("省").removesuffix("市").removesuffix("自治区")
        if wanted in {code, en.lower(), zh, short_zh, abbr}:
            return code
    return None


def split_lines(text: str) -> list[str]:
    """Addresses and similar: one per line or separated by ; (full- or half-width)."""
    return [part.strip() for part in _SPLIT_RE.split(text) if part.strip()]


def split_tokens(text: str) -> list[str]:
    return [part.strip() for part in _TOKEN_RE.split(text) if part.strip()]


ROLE_WORDS = {
    "holder": {"holder", "注册人", "医疗器械注册人"},
    "manufacturer": {"manufacturer", "受托生产企业", "生产企业", "受托企业"},
    "regulator": {"regulator", "药品监督管理部门", "监管部门"},
}
USER_ROLE_WORDS = {
    "holder": ROLE_WORDS["holder"],
    "manufacturer": ROLE_WORDS["manufacturer"],
    "reviewer": {"reviewer", "审评人员", "审查人员", "监管人员"},
    "admin": {"admin", "administrator", "管理员"},
}
DUTY_WORDS = {
    "accept": {"accept", "acceptance", "受理"},
    "review": {"review", "审评", "技术审评"},
    "approve": {"approve", "approval", "审批", "批准"},
}


def parse_words(text: str, table: dict[str, set[str]]) -> list[str] | None:
    """The table's keys named in ``text``; None when a word is unknown."""
    found: list[str] = []
    for token in split_tokens(text):
        key = next((k for k, words in table.items() if token.lower() in words), None)
        if key is None:
            return None
        if key not in found:
            found.append(key)
    return found


CERTIFICATE_STATUS_WORDS = {
    "valid": {"valid", "有效", "在有效期内"},
    "expired": {"expired", "过期", "已过期", "失效"},
    "cancelled": {"cancelled", "canceled", "注销", "已注销"},
    "revoked": {"revoked", "撤销", "已撤销"},
}
