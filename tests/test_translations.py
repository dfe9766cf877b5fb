"""The Chinese catalogue is complete, and the compiled .mo matches the .po that is reviewed."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "devreg" / "translations"
# Babel names the zh_CN locale zh_Hans_CN, and looks for that folder
ZH = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _po():
    with open(ZH / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_chinese_message_is_translated_and_none_is_fuzzy():
    catalog = _po()
    missing = [m.id for m in catalog if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    with open(ZH / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    source = {_key(m.id): _key(m.string) for m in _po() if m.id}
    assert compiled == source, "run `flask --app devreg translate compile`"


def test_every_extractable_string_is_in_the_catalogue(tmp_path):
    """Extract afresh (as `flask translate update` does): a new string without a translation
    fails here."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    "-F", "babel.cfg", "-k", "_l", "--ignore-dirs", ".* __pycache__",
                    "-o", str(pot), "."], check=True, cwd=TRANSLATIONS.parent.parent,
                   capture_output=True)
    with open(pot, "rb") as handle:
        template = {_key(m.id) for m in read_po(handle) if m.id}
    assert template - {_key(m.id) for m in _po() if m.id} == set(), (
        "run `flask --app devreg translate update` and translate the new entries")


def test_pages_render_in_chinese(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "登录" in page and "Sign in" not in page
