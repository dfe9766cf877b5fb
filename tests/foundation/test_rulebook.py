"""The product carries its own rulebook (docs/rules.md) and never points outside the repository;
it calls the system 医疗器械注册人制度, never a pilot (试点)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from devreg.config import Defaults

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "rules.md"
OUTSIDE = re.compile(r"\.\./shared|/work/shared|shared/law|DOMAIN\.md")


def _product_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for folder, patterns in (("devreg", ("*.py", "*.html", "*.po", "*.pot", "*.txt")),
                             ("templates", ("*.html", "*.txt")), ("docs", ("*.md",)),
                             ("migrations", ("*.py",)), ("static", ("*.js", "*.css"))):
        for pattern in patterns:
            files.extend((ROOT / folder).rglob(pattern))
    return files


def test_no_reference_points_outside_the_repository():
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in _product_files()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if OUTSIDE.search(line)]
    assert offenders == []


def test_the_system_is_never_called_a_pilot():
    texts = [ROOT / "README.md", ROOT / "pyproject.toml", *(ROOT / "templates").rglob("*.html")]
    assert [p.name for p in texts if "试点" in p.read_text(encoding="utf-8")
            or re.search(r"\bpilot\b", p.read_text(encoding="utf-8"), re.IGNORECASE)] == []
    with open(ROOT / "devreg/translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    assert [m.id for m in catalogue if m.id and ("试点" in str(m.string)
                                                 or "pilot" in str(m.id).lower())] == []


def test_rulebook_has_numbered_sections_and_cites_articles():
    text = RULES.read_text(encoding="utf-8")
    sections = re.findall(r"^## (\d+)\. ", text, re.MULTILINE)
    assert sections == [str(n) for n in range(1, len(sections) + 1)]
    assert "Order 47 Art 84" in text and "Order 47 Art 79" in text


def test_every_interpretation_in_the_rulebook_is_a_setting_with_a_default():
    table = RULES.read_text(encoding="utf-8").split("## 13. Interpretations", 1)[1]
    names = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", table, re.MULTILINE)
    assert names, "the interpretations table lists no setting"
    assert [name for name in names if not hasattr(Defaults, name)] == []
