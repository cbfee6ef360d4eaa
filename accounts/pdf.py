"""The one way this project renders a PDF: a Django template through WeasyPrint.

Every printable form (publication notices, record forms, the annual summary) extends
``includes/pdf_base.html``, which sets ``lang="zh-CN"`` and the Noto CJK SC font on the body, the
tables and the ``@page`` margin boxes: without the language tag fontconfig picks the Japanese
variant of Noto CJK, and margin boxes do not inherit the body's font (ENVIRONMENT.md).
Large batches run through the job mechanism (accounts.jobs); this module only renders.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


def pdf_render(*, template_name: str, context: dict, request=None) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes (A4 unless the template says otherwise)."""
    from weasyprint import HTML  # imported late: loading pango costs ~0.3 s, only PDF paths pay it

    html = render_to_string(template_name, context, request=request)
    base_url = str(settings.BASE_DIR)
    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(*, pdf: bytes, filename: str, inline: bool = True) -> HttpResponse:
    """An HTTP response for PDF bytes; ``filename`` may be Chinese (RFC 6266 via Django)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(disposition == "attachment", filename)
    return response
