"""The Russian UI calls each domain term the same everywhere (docs/GLOSSARY.md)."""

import re

import polib
import pytest

from repo_paths import ADDONS, MODULES, ROOT


def glossary():
    rows = re.findall(
        r"^\| ([^|]+?) \| ([^|]+?) \|$", (ROOT / "docs" / "GLOSSARY.md").read_text(encoding="utf-8"), re.M
    )
    return {en.strip().lower(): ru.strip() for en, ru in rows if en.strip() not in ("English", "---")}


def test_glossary_is_readable():
    terms = glossary()
    assert len(terms) > 30
    assert terms["service advisor"] == "Мастер-приёмщик"


@pytest.mark.parametrize("module", MODULES)
def test_ru_po_uses_the_glossary(module):
    po_path = ADDONS / module / "i18n" / "ru.po"
    if not po_path.exists():
        pytest.fail(f"{module} has no i18n/ru.po")
    terms = glossary()
    wrong = [
        (entry.msgid, entry.msgstr, terms[entry.msgid.strip().lower()])
        for entry in polib.pofile(str(po_path))
        if entry.msgstr
        and entry.msgid.strip().lower() in terms
        and entry.msgstr.strip().lower() != terms[entry.msgid.strip().lower()].lower()
    ]
    assert not wrong, "\n".join(f"{en!r} is {got!r}, the glossary says {want!r}" for en, got, want in wrong)
