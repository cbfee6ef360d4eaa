"""The English catalogue is complete: gettext leaves a fuzzy or empty entry out of the compiled
catalogue, so its page shows the Chinese source string to an English reader."""

import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries():
    # Entries are separated by blank lines; the header (msgid "") is skipped.
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        if msgid and msgid.group(1):
            yield block


def test_no_entry_is_fuzzy():
    fuzzy = [
        block.split("msgid", 1)[1].splitlines()[0] for block in _entries() if re.search(r"^#,.*\bfuzzy\b", block, re.M)
    ]
    assert fuzzy == []


def test_every_entry_has_a_translation():
    empty = [
        block.split("msgid", 1)[1].splitlines()[0]
        for block in _entries()
        if re.search(r'^msgstr(\[0\])? ""\s*$', block, re.M) and not re.search(r'^msgstr(\[0\])? ""\n"', block, re.M)
    ]
    assert empty == []
