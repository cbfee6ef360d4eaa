"""Evidence files: size from policy, type by content, stored privately, served only to those who may see."""

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from summaries import services
from summaries.models import SummaryAttachment
from tests.summaries.helpers import submit_written

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def ole_bytes(stream: str, padding: int = 1024 * 1024) -> bytes:
    """A minimal well-formed compound file (512-byte sectors): header, one FAT sector, and a directory
    (root plus ``stream``) placed after ``padding`` bytes, so it sits in another read chunk."""
    sector = 512
    pad_sectors = padding // sector
    fat_number, directory_number = 0, 1 + pad_sectors
    header = bytearray(sector)
    header[0:8] = OLE
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")
    header[0x1A:0x1C] = (3).to_bytes(2, "little")
    header[0x1C:0x1E] = b"\xfe\xff"
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")
    header[0x30:0x34] = directory_number.to_bytes(4, "little")
    header[0x38:0x3C] = (4096).to_bytes(4, "little")
    header[0x3C:0x40] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x44:0x48] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x4C:0x200] = fat_number.to_bytes(4, "little") + b"\xff" * (0x200 - 0x50)
    fat = [0xFFFFFFFD] + [0xFFFFFFFF] * pad_sectors + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    fat_sector = b"".join(n.to_bytes(4, "little") for n in fat[: sector // 4])

    def entry(name: str, kind: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        raw[: len(encoded)] = encoded
        raw[0x40:0x42] = len(encoded).to_bytes(2, "little")
        raw[0x42] = kind
        return bytes(raw)

    directory = entry("Root Entry", 5) + entry(stream, 2) + bytes(128) * 2
    return bytes(header) + fat_sector + bytes(sector * pad_sectors) + directory


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("virus.exe", EXE)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def script_upload(client, summary, name: str, content: bytes, **extra):
    """What the summary page's script sends: the file alone, asking for the JSON answer."""
    return client.post(
        reverse("summaries:attachment_upload", args=[summary.pk]),
        {"file": upload(name, content)},
        headers={"X-Requested-With": "XMLHttpRequest"},
        **extra,
    )


@pytest.fixture
def attachment(summary, staff):
    return services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("会议纪要.pdf", PDF))


def test_a_pdf_is_accepted_and_stored_outside_the_web_root(attachment, private_files):
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "会议纪要.pdf"
    assert attachment.size == len(PDF)
    stored = private_files / attachment.file.name
    assert stored.read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
        ("报告.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("旧表.xls", ole_bytes("Workbook"), "application/vnd.ms-excel"),
        ("旧文档.doc", ole_bytes("WordDocument"), "application/msword"),
        # The name does not decide: a Word file called .xls is still a Word file.
        ("其实是文档.xls", ole_bytes("WordDocument"), "application/msword"),
    ],
)
def test_allowed_types_are_recognised_by_content(summary, staff, name, content, expected):
    added = services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload(name, content))
    assert added.content_type == expected


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("总结.pdf", EXE),
        ("图片.png", EXE),
        ("报告.docx", plain_zip_bytes()),
        ("notes.txt", b"hello"),
        # An installer package uses the same container as legacy Office files.
        ("安装包.doc", OLE + b"\x00" * 200 + "SummaryInformation".encode("utf-16-le")),
    ],
)
def test_a_renamed_program_or_other_file_is_refused(summary, staff, name, content):
    _assert_refused_as_unsupported(summary, staff, name, content)


def _assert_refused_as_unsupported(summary, staff, name: str, content: bytes) -> None:
    with pytest.raises(ValidationError, match="不支持此文件类型"):
        services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload(name, content))
    assert not SummaryAttachment.objects.exists()


def _docx_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr(name, content)
    return buffer.getvalue()


def _ole_msi_mentioning_workbook() -> bytes:
    # A compound file whose directory names an installer's stream; the word "Workbook" only appears
    # in its data, where searching the bytes used to find it.
    return ole_bytes("SummaryInformation", padding=1024) + "Workbook".encode("utf-16-le") + bytes(64)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF"),
        ("图片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"<SCRIPT>alert(1)</SCRIPT>"),
        ("报告.docx", _docx_with("word/media/setup.exe", EXE)),
        ("报告.docx", _docx_with("word/media/image1.png", EXE)),
        ("报告.docx", _docx_with("word/vbaProject.bin", b"\x00" * 16)),
        ("表格.xls", _ole_msi_mentioning_workbook()),
        ("报告.docx", b"PK\x03\x04" + b"\x00" * 64),
    ],
    ids=[
        "pdf-html-polyglot",
        "png-with-script",
        "docx-holding-exe",
        "docx-exe-renamed",
        "docx-macro",
        "ole-msi",
        "bad-zip",
    ],
)
def test_a_file_that_passes_the_magic_bytes_but_not_the_content_checks_is_refused(summary, staff, name, content):
    _assert_refused_as_unsupported(summary, staff, name, content)


def _zip_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def _tar_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


LNK = b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 64


@pytest.mark.parametrize(
    "content",
    [
        _docx_with("word/embeddings/package.zip", _zip_with("invoice.exe", EXE)),
        _docx_with("word/media/image1.png", _zip_with("invoice.exe", EXE)),
        _docx_with("word/embeddings/oleObject1.bin", _zip_with("说明.txt", b"text")),
        _docx_with("word/embeddings/run.lnk", LNK),
        _docx_with("word/media/image2.png", LNK),
        _docx_with("word/embeddings/run.hta", b"<hta:application>"),
        _docx_with("word/embeddings/oleObject1.bin", ole_bytes("\x01Ole10Native", padding=1024)),
        _docx_with("word/embeddings/Book1.xlsx", _docx_with("xl/media/setup.exe", EXE)),
        _docx_with("word/media/image3.png", b"Rar!\x1a\x07\x00" + bytes(32)),
        _docx_with("word/media/image4.png", _tar_with("invoice.exe", EXE)),
        _docx_with("word/media/image5.png", gzip.compress(_tar_with("invoice.exe", EXE))),
        _docx_with("word/media/image6.png", lzma.compress(_tar_with("invoice.exe", EXE))),
        _docx_with("word/media/image7.png", bz2.compress(_tar_with("invoice.exe", EXE))),
        _docx_with("word/media/image8.png", b"\x28\xb5\x2f\xfd" + bytes(32)),
        _docx_with("word/media/image9.png", b"LZIP\x01" + bytes(32)),
        _docx_with("word/media/image10.png", b"\x60\xea" + bytes(32)),
    ],
    ids=[
        "zip-holding-exe",
        "zip-named-png",
        "zip-that-is-not-office",
        "lnk",
        "lnk-named-png",
        "hta",
        "ole-packager",
        "nested-package-holding-exe",
        "rar-named-png",
        "tar-named-png",
        "gzip-named-png",
        "xz-named-png",
        "bzip2-named-png",
        "zstd-named-png",
        "lzip-named-png",
        "arj-named-png",
    ],
)
def test_a_document_carrying_a_program_in_disguise_is_refused(summary, staff, content):
    _assert_refused_as_unsupported(summary, staff, "材料.docx", content)


def test_a_document_embedding_a_clean_workbook_is_accepted(summary, staff):
    workbook = _docx_with("xl/workbook.xml", b"<workbook/>")
    content = _docx_with("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook)
    attachment = services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("材料.docx", content))
    assert attachment.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_an_attachment_is_served_as_a_download_with_nosniff_and_the_download_is_audited(client_for, attachment, staff):
    from accounts.models import AuditEntry

    response = client_for(staff).get(
        reverse("summaries:attachment_download", args=[attachment.summary_id, attachment.pk])
    )
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    entry = AuditEntry.objects.get(event="download")
    assert (entry.actor, entry.object_pk) == (staff, str(attachment.pk))


def test_a_file_gets_the_extension_of_what_it_really_is(summary, staff):
    added = services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("扫描件.exe", PDF))
    assert added.original_name == "扫描件.exe.pdf"


def test_a_file_over_the_policy_limit_is_refused(summary, staff, organisation):
    organisation.policy.attachment_max_mb = 1
    organisation.policy.save()
    too_big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError, match="1 MB"):
        services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("大文件.pdf", too_big))
    just_fits = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("刚好.pdf", just_fits))


def test_the_upload_page_shows_the_refusal(client_for, summary, staff):
    client = client_for(staff)
    response = client.post(
        reverse("summaries:attachment_upload", args=[summary.pk]), {"file": upload("setup.pdf", EXE)}, follow=True
    )
    assert "不支持此文件类型" in response.content.decode()
    assert not SummaryAttachment.objects.exists()


def test_attachments_are_refused_once_submitted(submitted, staff):
    with pytest.raises(ValidationError):
        services.summary_attachment_add(summary=submitted, actor=staff, uploaded=upload("a.pdf", PDF))


def test_only_the_owner_attaches(summary, head):
    with pytest.raises(PermissionDenied):
        services.summary_attachment_add(summary=summary, actor=head, uploaded=upload("a.pdf", PDF))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("head", 200),
        ("leader", 200),
        ("hr", 200),
        ("colleague", 404),
        ("other_head", 404),
        ("outsider", 404),
        ("sysadmin", 404),
        ("auditor", 404),
        ("inspector", 404),
    ],
)
def test_attachments_are_served_only_to_people_who_may_see_the_summary(
    request, client_for, attachment, persona, status
):
    response = client_for(request.getfixturevalue(persona)).get(
        reverse("summaries:attachment_download", args=[attachment.summary_id, attachment.pk])
    )
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf" in response["Content-Disposition"]


def test_an_attachment_is_not_reachable_through_another_summary(client_for, attachment, colleague, october_now):
    other = services.summary_get_or_create(owner=colleague, year=2026, month=10, now=october_now)
    response = client_for(colleague).get(reverse("summaries:attachment_download", args=[other.pk, attachment.pk]))
    assert response.status_code == 404


def test_the_owner_deletes_an_attachment_after_confirming(client_for, attachment, staff):
    client = client_for(staff)
    url = reverse("summaries:attachment_delete", args=[attachment.summary_id, attachment.pk])
    assert "确定删除附件" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not SummaryAttachment.objects.exists()


def test_the_file_is_removed_when_the_deletion_commits(
    attachment, staff, private_files, django_capture_on_commit_callbacks
):
    stored = private_files / attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.summary_attachment_delete(attachment=attachment, actor=staff)
    assert not stored.exists()


def test_nobody_else_deletes_an_attachment(client_for, attachment, head, colleague):
    url = reverse("summaries:attachment_delete", args=[attachment.summary_id, attachment.pk])
    assert client_for(head).post(url).status_code == 404
    assert client_for(colleague).post(url).status_code == 404
    assert SummaryAttachment.objects.exists()


def test_attachments_cannot_be_deleted_once_submitted(attachment, staff):
    submitted = submit_written(summary=attachment.summary, actor=staff)
    with pytest.raises(ValidationError):
        services.summary_attachment_delete(attachment=submitted.attachments.get(), actor=staff)


# --- Empty, oversized and repeated files (issue 9 §2) ------------------------------------


def test_an_empty_file_is_said_to_be_empty(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:attachment_upload", args=[summary.pk]), {"file": upload("空白.pdf", b"")}, follow=True
    )
    assert "是空的（0 字节）" in response.content.decode()
    assert not SummaryAttachment.objects.exists()


def test_a_refused_plain_upload_is_said_under_the_file_field_not_at_the_top(client_for, summary, staff):
    response = client_for(staff).post(
        reverse("summaries:attachment_upload", args=[summary.pk]), {"file": upload("空白.pdf", b"")}, follow=True
    )
    page = response.content.decode()
    status = page[page.index('id="attachment-status"') :]
    assert "是空的（0 字节）" in status[: status.index("</div>")]
    assert "alert-dismissible" not in page  # not among the messages at the top of the page
    assert 'aria-describedby="attachment-status"' in page


def test_the_page_script_gets_the_answer_and_the_fresh_list_as_json(client_for, summary, staff):
    response = script_upload(client_for(staff), summary, "会议纪要.pdf", PDF)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and "会议纪要.pdf" in data["message"] and "会议纪要.pdf" in data["html"]
    # Attaching does not move the version the autosave compares against.
    before = summary.version
    summary.refresh_from_db()
    assert summary.version == before


def test_the_same_file_attached_twice_is_recognised(client_for, attachment, summary, staff):
    with pytest.raises(ValidationError, match="已经上传过（“会议纪要.pdf”）"):
        services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("另一个名字.pdf", PDF))
    response = script_upload(client_for(staff), summary, "再传一次.pdf", PDF)
    assert response.status_code == 400
    assert "已经上传过" in response.json()["message"]
    assert SummaryAttachment.objects.filter(summary=summary).count() == 1
    # Another file is welcome.
    assert services.summary_attachment_add(summary=summary, actor=staff, uploaded=upload("另一份.pdf", PDF + b"2"))


def test_an_oversized_body_is_refused_on_its_length_before_it_is_read(client_for, summary, staff, organisation):
    organisation.policy.attachment_max_mb = 1
    organisation.policy.save()
    # The body announces 50 MB but carries a few bytes: were it read, the parser would fail.
    response = script_upload(client_for(staff), summary, "大文件.pdf", PDF, CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["message"] == "附件不能超过 1 MB。"
    assert not SummaryAttachment.objects.exists()


def test_a_file_just_over_the_limit_is_cut_off_while_it_is_read(client_for, summary, staff, organisation):
    organisation.policy.attachment_max_mb = 1
    organisation.policy.save()
    # Within the allowance for the multipart envelope, so only the upload handler can catch it.
    just_over = PDF + b"0" * (1024 * 1024 + 1024)
    response = script_upload(client_for(staff), summary, "大文件.pdf", just_over)
    assert response.status_code == 413
    assert "1 MB" in response.json()["message"]
    assert not SummaryAttachment.objects.exists()


def test_an_upload_without_the_csrf_token_is_still_refused(summary, staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(reverse("summaries:attachment_upload", args=[summary.pk]), {"file": upload("a.pdf", PDF)})
    assert response.status_code == 403
    assert not SummaryAttachment.objects.exists()


def test_the_limit_is_stated_next_to_the_field_for_the_script(client_for, summary, staff, organisation):
    organisation.policy.attachment_max_mb = 3
    organisation.policy.save()
    page = client_for(staff).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert f'data-max-bytes="{3 * 1024 * 1024}"' in page
    assert "不超过 3 MB" in page
