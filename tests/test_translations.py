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


GRADE_WORDS = ("优秀", "称职", "较好", "较差", "一般", "不确定等次", "“好”", " 好 ", "好等次")


def test_no_english_entry_names_a_grade_in_chinese():
    """A user test read "annual 优秀 list", "Share of 好", "graded 不称职": the grades have English
    names in this catalogue (Excellent, Good, Not graded, Incompetent …)."""
    chinese = []
    for block in _entries():
        msgstr = re.search(r'^msgstr(?:\[0\])? (".*?)(?=\n[^"]|\Z)', block, re.M | re.S)
        text = "".join(re.findall(r'"(.*)"', msgstr.group(1))) if msgstr else ""
        if any(word in text or (word.strip() == "好" and text.endswith(" 好")) for word in GRADE_WORDS):
            chinese.append(text)
    assert chinese == []


def test_a_quarter_column_reads_quarter_and_the_policy_s_period_reads_quarterly():
    """The column and select label 季度 read "Quarterly" on the English record forms page (a walk
    of the English pages); "Quarterly" is the appraisal period's name, in its own context."""
    from django.utils import translation

    from accounts.models import AppraisalPeriod

    with translation.override("en"):
        assert translation.gettext("季度") == "Quarter"
        assert str(AppraisalPeriod.QUARTER.label) == "Quarterly"
    with translation.override("zh-hans"):
        assert str(AppraisalPeriod.QUARTER.label) == "季度"


def test_every_translatable_string_in_the_code_has_an_english_entry(tmp_path):
    """A review found two new messages with no English entry (the English page showed the Chinese):
    makemessages, run on a copy of the project's files, finds no Chinese string the catalogue lacks
    (an entry it adds is untranslated). Django's own English texts need none."""
    import shutil
    import subprocess
    import sys

    root = Path(settings.BASE_DIR)
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        if name and not name.startswith(("tests/", "bench/")) and (root / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, tmp_path / name)
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    command = [sys.executable, "manage.py", "makemessages", "-l", "en", "-v0"]
    subprocess.run(command, cwd=tmp_path, env=env, check=True, timeout=120)
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", "locale/en/LC_MESSAGES/django.po"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    chinese = [line for line in untranslated.splitlines() if line.startswith("msgid") and not line.isascii()]
    assert chinese == []


def test_a_finding_s_minor_severity_is_not_the_grade_average_in_english():
    """A user test read the severities as "Average / Major / Serious": 一般 is a grade and a severity."""
    from django.utils import translation

    from evaluations.discipline.models import Severity
    from evaluations.models import Grade

    with translation.override("en"):
        assert [str(label) for label in Severity.labels] == ["Minor", "Major", "Serious"]
        assert str(Grade.AVERAGE.label) == "Average"
    with translation.override("zh-hans"):
        assert str(Severity.MINOR.label) == "一般"


def test_a_label_and_its_value_are_separated_in_the_reader_s_language():
    """A user test read "Finding 1：邹霞国" and "Username：s000044" in English: a label written with
    translate (or a sentence ending its blocktranslate) is followed by the colon of the reader's
    language (pgettext "between a label and its value": ": " in English), never a literal ：."""
    templates = Path(settings.BASE_DIR) / "templates"
    literal = re.compile(r'(\{% translate "[^"]*"(?: context "[^"]*")? %\}|\{% endblocktranslate %\})：')
    found = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if literal.search(line)
    ]
    assert found == []
