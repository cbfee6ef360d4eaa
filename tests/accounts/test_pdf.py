"""The shared PDF renderer: Chinese text extracts as Chinese, the SC font is embedded, never JP."""

import copy
import shutil
import subprocess

import pytest

from accounts.pdf import pdf_render

pytestmark = pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")


@pytest.fixture
def form_template(tmp_path, settings):
    (tmp_path / "form.html").write_text(
        '{% extends "includes/pdf_base.html" %}{% block content %}<h1>平时考核登记表</h1>'
        "<table><tr><th>姓名</th><td>{{ name }}</td></tr></table>{% endblock %}",
        encoding="utf-8",
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return "form.html"


def test_a_pdf_renders_chinese_text_with_the_simplified_chinese_font(tmp_path, form_template):
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf_render(template_name=form_template, context={"name": "张三"}))

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "平时考核登记表" in text and "张三" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all("CJK" in line and " yes " in line for line in embedded)
    assert any("SC" in line for line in embedded)
    assert not any("JP" in line for line in embedded)


def test_a_name_with_a_rare_character_beyond_the_basic_plane_is_drawn_from_a_font_that_has_it(tmp_path, form_template):
    """GB 18030-2022 names: 𪚥 (U+2A6A5, CJK Extension B) is in no Noto CJK font; it printed as a box
    until fonts-hanazono was installed beside them (fontconfig falls back to it per character)."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf_render(template_name=form_template, context={"name": "张𪚥"}))

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "张𪚥" in text
    having = subprocess.run(
        ["fc-list", ":charset=2a6a5", "postscriptname"], capture_output=True, text=True, check=True
    ).stdout
    names = {line.split("=", 1)[1].strip() for line in having.splitlines() if "=" in line}
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = [line.split()[0].split("+", 1)[-1] for line in fonts.splitlines()[2:] if line.strip()]
    # WeasyPrint names the embedded subset after the face and its weight (HanaMinA-Medium).
    assert names and any(font == name or font.startswith(f"{name}-") for font in embedded for name in names), (
        embedded,
        names,
    )
