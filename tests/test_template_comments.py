"""Django's ``{# … #}`` comment ends at the end of its line: one spread over several lines is sent to
the browser (or the PDF) as page text. The grading page showed such a comment in every row."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _templates():
    # The project's template folders only (rglob from the root would walk .venv's thousands of files).
    for pattern in ("templates/**/*.html", "*/templates/**/*.html", "*/*/templates/**/*.html"):
        yield from sorted(ROOT.glob(pattern))


def test_every_one_line_comment_closes_on_its_line():
    unclosed = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert list(_templates()), "no template found"
    assert unclosed == []
