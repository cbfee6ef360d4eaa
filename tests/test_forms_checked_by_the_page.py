"""The browser's own checks (required, a number's range, a date) speak the browser's language in a
bubble, or, headless or on some phones, keep the form back without a word; the pages say what is
missing in Chinese under the box or at the top. So every form that asks for input leaves checking
to the page (``novalidate``), and the server says it: in every template of the application (first
checked for the publicity pages after a user test; a second found the welfare ballot's 服务对象人数
and the 创新突破 proposal kept back silently)."""

import re
from pathlib import Path

from django.conf import settings

# A field a person fills in: a form's field (not the hidden version), a select, a text box, an input
# other than a hidden one, a check box, a radio button or a file.
ASKS = re.compile(
    r"\{\{ *\w*form\b(?!\.version)|field=|<select|<textarea|<input(?![^>]*type=\"(hidden|checkbox|radio|file)\")"
)


def test_every_form_that_asks_for_input_is_checked_by_the_page():
    unchecked = []
    for path in sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html")):
        for form in re.findall(r"<form\b.*?</form>", path.read_text(encoding="utf-8"), re.S):
            opening = form[: form.index(">") + 1]
            if 'method="post"' in opening and ASKS.search(form) and "novalidate" not in opening:
                unchecked.append(f"{path.relative_to(settings.BASE_DIR)}: {opening[:100]}")
    assert unchecked == []
