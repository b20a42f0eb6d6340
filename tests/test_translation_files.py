"""Every Russian translation an addon ships reaches the database.

Odoo reads ``i18n/ru.po`` merged with the addon's ``.pot`` (``odoo.tools.translate.PoFileReader``)
and drops, as obsolete, every entry the ``.pot`` lacks: a term translated in ru.po but added
by hand without the .pot stays English for every customer and user (the unsubscribe link,
the Telegram bot's answers). ``./suite i18n`` regenerates both files.
"""

import polib
import pytest

from repo_paths import ADDONS, MODULES


@pytest.mark.parametrize("module", MODULES)
def test_every_russian_term_is_in_the_pot(module):
    i18n = ADDONS / module / "i18n"
    po_path, pot_path = i18n / "ru.po", i18n / f"{module}.pot"
    if not (po_path.exists() and pot_path.exists()):
        pytest.skip(f"{module}: no ru.po or no .pot, so Odoo merges nothing away")
    po = polib.pofile(str(po_path))
    pot = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(pot_path))}
    lost = [
        entry.msgid for entry in po if entry.msgstr and not entry.obsolete and (entry.msgctxt, entry.msgid) not in pot
    ]
    assert not lost, f"{len(lost)} Russian terms Odoo would drop (not in {module}.pot): " + "; ".join(
        repr(msgid[:60]) for msgid in lost[:10]
    )
