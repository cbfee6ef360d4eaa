"""Writes to monthly summaries: drafting (with autosave), the review workflow, attachments.

Handing in and reviewing go through the shared review workflow (:mod:`accounts.workflow`),
which checks the state and the actor's right and notifies the owner of a decision. Text is
saved with an optimistic version check (a conditional UPDATE), because SQLite ignores
``select_for_update`` and a person often has the same summary open on a phone and a desktop.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts import audit, periods, workflow
from accounts.models import SEPARATED_ROLES, User
from accounts.selectors import policy_for_organisation
from accounts.textlimits import text_length, too_long_message
from accounts.workflow import EDITABLE_STATUSES
from targets.models import TargetItem, TargetSet

from .models import MonthlySummary, SummaryAttachment, SummaryConflictCopy, SummaryProgress, private_storage
from .selectors import month_not_owed

CHINA = periods.CHINA_TZ
TEXT_FIELDS = ("other_work", "problems", "next_month_plan")


@dataclass
class SummaryText:
    """What the person typed: the three free-text parts and one note per progress row (by pk)."""

    other_work: str = ""
    problems: str = ""
    next_month_plan: str = ""
    notes: dict[int, str] = field(default_factory=dict)

    def as_payload(self) -> dict:
        return {
            **{name: getattr(self, name) for name in TEXT_FIELDS},
            "notes": {str(pk): note for pk, note in self.notes.items()},
        }


class SummaryConflict(ValidationError):
    """The text was not saved because the server holds a newer version (or the summary is no
    longer editable). The incoming text is kept in ``copy``; ``summary`` is the server's state."""

    def __init__(self, message: str, *, summary: MonthlySummary, copy: SummaryConflictCopy | None = None):
        super().__init__(message, code="conflict")
        self.summary = summary
        self.copy = copy


# --- Creating and prefilling ---------------------------------------------------------


def _quarter_target_items(*, owner: User, year: int, quarter: int) -> list[TargetItem]:
    # One set per person and quarter; while it is still a draft its items are the best guess
    # of what the month was about, so any status will do.
    target_set = TargetSet.objects.filter(owner=owner, year=year, quarter=quarter).first()
    if target_set is None:
        return []
    return list(target_set.items.order_by("sort_order", "pk"))


def _add_missing_progress_rows(summary: MonthlySummary) -> int:
    items = _quarter_target_items(owner=summary.owner, year=summary.year, quarter=summary.quarter)
    present = set(summary.progress_notes.exclude(target_item=None).values_list("target_item_id", flat=True))
    start = summary.progress_notes.count()
    added = 0
    for item in items:
        if item.pk in present:
            continue
        # Row by row (not bulk_create) so each appears in the audit trail.
        SummaryProgress.objects.create(
            summary=summary, target_item=item, item_content=item.content, sort_order=start + added
        )
        added += 1
    return added


@transaction.atomic
def summary_get_or_create(*, owner: User, year: int, month: int, now: datetime | None = None) -> MonthlySummary:
    """The person's summary for a month, created with one progress row per target item of the
    quarter, so what was planned is not typed again."""
    if not owner.department_id or not owner.organisation_id or not (owner.roles - SEPARATED_ROLES):
        raise PermissionDenied(_("只有科室工作人员需要填写月小结。"))
    if not 1 <= month <= 12:
        raise ValidationError(_("月份无效。"))
    today = periods.today(now)
    periods.check_plausible_year(year, around=today.year, label=_("年度"))
    if (year, month) > (today.year, today.month):
        raise ValidationError(_("不能提前填写以后月份的小结。"))
    existing = MonthlySummary.objects.filter(owner=owner, year=year, month=month).first()
    if existing is None:
        # A month that asked nothing of the person (a newcomer's month before they began) gets none.
        refuse_if_not_owed(owner=owner, period=periods.Month(year, month))
        # A month of an approved quarter gets no new summary: what fed the quarter is closed.
        periods.refuse_if_locked(owner.organisation_id, periods.Month(year, month).quarter)
    if existing is not None:
        # Opening it again (a POST) picks up target items added to the quarter since: the page
        # itself only reads, and offers this when it sees items without a row.
        summary_sync_target_items(summary=existing)
        return existing
    try:
        with transaction.atomic():
            summary = MonthlySummary.objects.create(
                owner=owner,
                organisation_id=owner.organisation_id,
                department_id=owner.department_id,
                year=year,
                month=month,
            )
    except IntegrityError:
        # Two taps on "write this month's": the other request created it first.
        return MonthlySummary.objects.get(owner=owner, year=year, month=month)
    _add_missing_progress_rows(summary)
    return summary


@transaction.atomic
def summary_sync_target_items(*, summary: MonthlySummary) -> int:
    """Add rows for target items added to the quarter since the summary was started (editable
    only, and not once the quarter is approved)."""
    if not summary.is_editable or quarter_closed(summary):
        return 0
    return _add_missing_progress_rows(summary)


def refuse_if_not_owed(*, owner: User, period: periods.Month) -> None:
    """A month that ended before the person began (a newcomer's 参加考核日期) or before the
    organisation began in the system asked nothing of them: no summary of it is started or handed
    in, whichever way it comes (the page, the demo, a script), so none counts as handed in."""
    if why := month_not_owed(owner=owner, period=period):
        raise ValidationError(why, code="not_owed")


def quarter_closed(summary: MonthlySummary) -> bool:
    """Whether the summary's quarter has been approved (read with the row lock that serialises
    writes against the approval, see :func:`accounts.periods.refuse_if_locked`)."""
    try:
        refuse_if_quarter_closed(summary)
    except ValidationError:
        return True
    return False


def refuse_if_quarter_closed(summary: MonthlySummary) -> None:
    """Everything that fed an approved quarter is read-only (issue 9 §1): a summary of one of its
    months — even one returned before or after the approval — is neither edited, handed in again,
    returned nor given attachments."""
    periods.refuse_if_locked(summary.organisation_id, summary.period.quarter)


# --- Saving text ---------------------------------------------------------------------


def _current_text(summary: MonthlySummary) -> SummaryText:
    return SummaryText(
        **{name: getattr(summary, name) for name in TEXT_FIELDS},
        notes=dict(summary.progress_notes.values_list("pk", "note")),
    )


def _same_text(incoming: SummaryText, current: SummaryText) -> bool:
    if any(getattr(incoming, name) != getattr(current, name) for name in TEXT_FIELDS):
        return False
    return all(current.notes.get(pk, note) == note for pk, note in incoming.notes.items())


def _check_text_lengths(text: SummaryText) -> None:
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        model_field = MonthlySummary._meta.get_field(name)
        value = getattr(text, name)
        if text_length(value) > model_field.max_length:
            errors[name] = [too_long_message(model_field.verbose_name, model_field.max_length, text_length(value))]
    note_limit = SummaryProgress._meta.get_field("note").max_length
    for pk, note in text.notes.items():
        if text_length(note) > note_limit:
            errors[f"note_{pk}"] = [too_long_message(_("进展情况"), note_limit, text_length(note))]
    if errors:
        raise ValidationError(errors, code="too_long")


@transaction.atomic
def _summary_write(
    *, summary_id: int, actor: User, based_on_version: int, text: SummaryText, tab: str = "", seq: int = 0
) -> MonthlySummary:
    # Locked (on PostgreSQL; SQLite serialises writers anyway) so the text read here is the text
    # this write replaces: the audit entry's old value.
    summary = MonthlySummary.objects.select_for_update(of=("self",)).select_related("owner").get(pk=summary_id)
    before = copy.copy(summary)
    if summary.owner_id != actor.pk:
        raise PermissionDenied(_("只能修改自己的小结。"))
    if quarter_closed(summary):
        raise SummaryConflict(
            _("本季度考核结果已审批，此小结不能再修改；您刚才输入的内容已另存，可随时查看。"), summary=summary
        )
    # Claim the version: exactly one writer moves it from N to N+1 — or the same page's later save
    # that left before the answer to its previous one came back: the version is then the one that
    # save produced, nothing else has written since, and a later save (higher seq) never loses to
    # an earlier one that arrives after it.
    current_or_own_follow_up = Q(version=based_on_version)
    if tab:
        current_or_own_follow_up |= Q(
            version=based_on_version + 1,
            autosave_version=based_on_version + 1,
            autosave_tab=tab,
            autosave_seq__lt=seq,
        )
    claimed = MonthlySummary.objects.filter(
        current_or_own_follow_up, pk=summary_id, status__in=EDITABLE_STATUSES
    ).update(
        **{name: getattr(text, name) for name in TEXT_FIELDS},
        version=F("version") + 1,
        autosave_tab=tab,
        autosave_seq=seq,
        autosave_version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if claimed != 1:
        if _same_text(text, _current_text(summary)):
            # A repeated save of what the server already holds (say, the pagehide beacon of a tab
            # that is behind): nothing is lost, so there is nothing to report.
            return summary
        if not summary.is_editable:
            message = _("此小结已提交或已审核，不能再修改；您刚才输入的内容已另存，可随时查看。")
        else:
            message = _("此小结已在其他页面更新，为避免覆盖，本次内容未保存，已另存为副本。请核对后再修改。")
        raise SummaryConflict(message, summary=summary)
    # With their items: a row's name in its audit entry is the item's wording (SummaryProgress.__str__).
    rows = {row.pk: row for row in summary.progress_notes.select_related("target_item")}
    changed = []
    for pk, note in text.notes.items():
        row = rows.get(pk)
        if row is not None and row.note != note:
            changed.append((copy.copy(row), row))
            row.note = note
    if changed:
        SummaryProgress.objects.bulk_update([row for _old, row in changed], ["note"])
    # With the owner, whom the audit entry's name of the summary reads (MonthlySummary.__str__).
    summary.refresh_from_db(from_queryset=MonthlySummary.objects.select_related("owner"))
    # Neither write above passes through save(), so neither reaches the audit trail by itself.
    audit.record_update(before, summary, fields=TEXT_FIELDS, actor=actor)
    for old_row, row in changed:
        audit.record_update(old_row, row, fields=["note"], actor=actor)
    return summary


def summary_autosave(
    *, summary: MonthlySummary, actor: User, based_on_version: int, text: SummaryText, tab: str = "", seq: int = 0
) -> MonthlySummary:
    """Save the owner's draft text if it is based on the current version; return the saved summary.

    Used by the autosave endpoint and the plain form alike. When the version is stale (another tab
    saved in between) or the summary is no longer editable, nothing is overwritten: the incoming
    text is kept as a :class:`SummaryConflictCopy` and :class:`SummaryConflict` is raised carrying
    the server's summary and the copy. The copy is written after the failed write has rolled back,
    which is why this function is not atomic itself. ``tab`` and ``seq`` name the page and its save
    (the page's script sends them): the same page's next save, sent before the answer to its
    previous one, is accepted on the version that save produced. Text longer than the model's limits is refused
    (``ValidationError`` naming the field).
    """
    _check_text_lengths(text)
    try:
        return _summary_write(
            summary_id=summary.pk, actor=actor, based_on_version=based_on_version, text=text, tab=tab, seq=seq
        )
    except SummaryConflict as conflict:
        payload = text.as_payload()
        # The same text refused twice (保存 pressed while its autosave was refused) is one copy.
        latest = conflict.summary.conflict_copies.filter(author=actor).order_by("-created_at", "-pk").first()
        if latest is not None and latest.payload == payload:
            conflict.copy = latest
        else:
            conflict.copy = SummaryConflictCopy.objects.create(
                summary=conflict.summary, author=actor, based_on_version=based_on_version, payload=payload
            )
        raise


# --- Review workflow -----------------------------------------------------------------


def _is_late(summary: MonthlySummary, now: datetime) -> bool:
    policy = policy_for_organisation(organisation_id=summary.organisation_id)
    # A newcomer's own start (入职、调入) stands in for the organisation's.
    policy = periods.person_policy(policy, summary.owner)
    return periods.is_late(periods.summary_deadline(policy, summary.period), now)


def _prepare_submission(summary: MonthlySummary, now: datetime) -> None:
    refuse_if_quarter_closed(summary)
    refuse_if_not_owed(owner=summary.owner, period=summary.period)
    rows = list(summary.progress_notes.select_related("target_item"))
    # Whitespace is not a summary: a month with nothing written cannot be handed in.
    written = [getattr(summary, name) for name in TEXT_FIELDS] + [row.note for row in rows]
    if not any(text.strip() for text in written):
        raise ValidationError(_("小结内容为空，不能提交。请至少填写一项目标进展或“其他工作”。"), code="empty")
    for row in rows:
        if row.target_item is None:
            # The item was removed from the targets: keep what was written about it, drop an empty row.
            if not row.note.strip():
                row.delete()
        elif row.item_content != row.target_item.content:
            # Hand in the item's current wording, never the copy made when the row was created.
            row.item_content = row.target_item.content
            row.save(update_fields=["item_content"])


def summary_submit(*, summary: MonthlySummary, actor: User, now: datetime | None = None) -> MonthlySummary:
    """Send the summary to the reviewer. Lateness is recorded, never blocks.

    A summary of a month not owed (:func:`refuse_if_not_owed`) is refused, and so is one with
    nothing written (blank text, every progress note empty). Each progress
    row takes its target item's current wording, so targets rewritten after a return are reported
    on as they now read. A summary counts as late when first submitted after day
    ``policy.summary_deadline_day`` of the following month (China time). A resubmission after a
    return keeps the first verdict: the delay of a review round is not the author's lateness.
    """
    return workflow.submit(summary, actor, now=now, is_late=_is_late, prepare=_prepare_submission)


def summary_approve(
    *, summary: MonthlySummary, actor: User, now: datetime | None = None, version: int | None = None
) -> MonthlySummary:
    """The reviewer (the owner's evaluator) approves a submitted summary; it becomes read-only and
    the owner is notified."""
    return workflow.approve(summary, actor, version=version, now=now)


@transaction.atomic
def summary_return(
    *, summary: MonthlySummary, actor: User, reason: str, now: datetime | None = None, version: int | None = None
) -> MonthlySummary:
    """The reviewer returns a submitted summary with a reason; the owner is notified, edits and
    resubmits. Refused once the quarter is approved: a return would reopen what fed it."""
    refuse_if_quarter_closed(summary)
    return workflow.return_(summary, actor, reason, version=version, now=now)


# --- Attachments ---------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# content type → (extensions a file of that type may carry, the one to give it otherwise)
ALLOWED_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "application/pdf": ((".pdf",), ".pdf"),
    "image/png": ((".png",), ".png"),
    "image/jpeg": ((".jpg", ".jpeg"), ".jpg"),
    "image/gif": ((".gif",), ".gif"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ((".docx",), ".docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ((".xlsx",), ".xlsx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ((".pptx",), ".pptx"),
    "application/msword": ((".doc",), ".doc"),
    "application/vnd.ms-excel": ((".xls",), ".xls"),
    "application/vnd.ms-powerpoint": ((".ppt",), ".ppt"),
}
_OOXML_PARTS = (
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)
# The stream names (UTF-16) that make an OLE container a Word, Excel or PowerPoint file rather
# than, say, an MSI installer, which uses the same container.
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), "application/msword"),
    ("Workbook".encode("utf-16-le"), "application/vnd.ms-excel"),
    ("Book".encode("utf-16-le"), "application/vnd.ms-excel"),
    ("PowerPoint Document".encode("utf-16-le"), "application/vnd.ms-powerpoint"),
)
_CHUNK = 1024 * 1024


_FREE_SECTOR = 0xFFFFFFFA  # and above: end of chain, FAT/DIFAT sector, free


def _ole_directory_names(data: bytes) -> list[str] | None:
    """The names of the storages and streams in an OLE compound file's directory, read by following
    the directory's sector chain through the FAT (not by searching the bytes); None when the file is
    not a well-formed compound file."""

    def u32(offset: int) -> int:
        return int.from_bytes(data[offset : offset + 4], "little")

    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        return None
    shift = int.from_bytes(data[0x1E:0x20], "little")
    if shift not in (9, 12):
        return None
    size = 1 << shift

    def sector(number: int) -> bytes:
        return data[(number + 1) * size : (number + 2) * size]

    difat = [u32(0x4C + 4 * i) for i in range(109)]
    next_difat, seen = u32(0x44), set()
    for _n in range(u32(0x48)):
        if next_difat >= _FREE_SECTOR or next_difat in seen:
            break
        seen.add(next_difat)
        block = sector(next_difat)
        entries = [int.from_bytes(block[i : i + 4], "little") for i in range(0, len(block), 4)]
        difat += entries[:-1]
        next_difat = entries[-1] if entries else _FREE_SECTOR
    fat: list[int] = []
    for number in [n for n in difat if n < _FREE_SECTOR][: u32(0x2C)]:
        block = sector(number)
        fat += [int.from_bytes(block[i : i + 4], "little") for i in range(0, len(block), 4)]
    names: list[str] = []
    current, visited = u32(0x30), set()
    while current < _FREE_SECTOR and current not in visited:
        visited.add(current)
        block = sector(current)
        if len(block) < size:
            return None
        for start in range(0, size, 128):
            entry = block[start : start + 128]
            length, kind = int.from_bytes(entry[0x40:0x42], "little"), entry[0x42]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.append(entry[: length - 2].decode("utf-16-le", "replace"))
        current = fat[current] if current < len(fat) else _FREE_SECTOR
    return names or None


def _ole_office_type(uploaded: UploadedFile) -> str | None:
    # The whole file (bounded by the policy's size limit) is read so the directory can be followed.
    uploaded.seek(0)
    try:
        names = _ole_directory_names(uploaded.read())
    finally:
        uploaded.seek(0)
    if not names:
        return None
    for name, content_type in _OLE_STREAMS:
        if name.decode("utf-16-le") in names:
            return content_type
    return None


# Markers of HTML a browser would render: a PDF or image that also reads as a web page is refused.
_HTML_MARKERS = (b"<html", b"<script", b"<body", b"<!doctype html", b"<iframe", b"<svg", b"<object", b"<embed")
# What an Office document never holds: programs and macros.
_PROGRAM_NAMES = (
    *(".exe", ".dll", ".com", ".bat", ".cmd", ".scr", ".msi", ".js", ".vbs", ".ps1", ".jar"),
    # Shortcuts, HTML applications and the other things Windows runs when opened.
    *(".lnk", ".hta", ".wsf", ".wsh", ".vbe", ".jse", ".cpl", ".pif", ".reg", ".msc", ".sct", ".chm", ".psm1"),
    "vbaproject.bin",
)
_PROGRAM_MAGIC = (
    *(b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"#!"),
    b"L\x00\x00\x00\x01\x14\x02\x00",  # a Windows shortcut (.lnk)
)
# Archives other than an Office package have no business inside one: they carry programs past the
# member-name check (a .zip renamed image1.png holding invoice.exe).
_ARCHIVE_MAGIC = (
    *(b"Rar!", b"7z\xbc\xaf", b"MSCF", b"ISc("),  # RAR, 7-Zip, Microsoft and InstallShield cabinets
    *(b"\x1f\x8b", b"\x1f\x9d", b"\x1f\xa0", b"BZh", b"\xfd7zXZ\x00"),  # gzip, compress, bzip2, xz
    *(b"\x28\xb5\x2f\xfd", b"LZIP", b"\x04\x22\x4d\x18", b"\x89LZO"),  # zstd, lzip, lz4, lzop
    *(b"\x60\xea", b"SIT!", b"StuffIt", b"070701", b"070702", b"070707", b"\xc7\x71"),  # arj, StuffIt, cpio
    b"!<arch>\n",  # ar (a .deb)
)
# Archives recognised further in: tar ("ustar" at 257), lha/lzh ("-lh" at 2), ACE ("**ACE**" at 7).
_ARCHIVE_MAGIC_AT = ((257, b"ustar"), (2, b"-lh"), (2, b"-lz"), (7, b"**ACE**"))


def _is_archive(head: bytes) -> bool:
    return head.startswith(_ARCHIVE_MAGIC) or any(
        head[offset : offset + len(magic)] == magic for offset, magic in _ARCHIVE_MAGIC_AT
    )


# An OLE object holding this stream is the Packager's "embedded file": any file, a program too.
_OLE_PACKAGE_STREAM = "Ole10Native".encode("utf-16-le")
# How deep Office packages inside a package are opened (a workbook in a document is one level).
OOXML_MAX_NESTING = 2
_OOXML_MAIN_PART = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/workbook.xml",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "ppt/presentation.xml",
}
OOXML_MAX_UNCOMPRESSED = 200 * 1024 * 1024


def _holds_html(uploaded: UploadedFile) -> bool:
    longest = max(len(marker) for marker in _HTML_MARKERS)
    uploaded.seek(0)
    tail = b""
    try:
        while chunk := uploaded.read(_CHUNK):
            window = (tail + chunk).lower()
            if any(marker in window for marker in _HTML_MARKERS):
                return True
            tail = window[-longest:]
    finally:
        uploaded.seek(0)
    return False


def _ooxml_is_clean(archive: zipfile.ZipFile, content_type: str) -> bool:
    """The package has its main part, unpacks to a sane size, and carries no program or macro."""
    if _OOXML_MAIN_PART[content_type] not in archive.namelist():
        return False
    return _package_members_are_clean(archive, depth=0)


def _package_members_are_clean(archive: zipfile.ZipFile, *, depth: int) -> bool:
    """No member of the package is a program, a shortcut, a macro, an archive, the Packager's
    embedded file, or a zip that is not itself a clean Office package (an embedded workbook is;
    one holding invoice.exe, whatever the member is called, is not)."""
    members = archive.infolist()
    if sum(info.file_size for info in members) > OOXML_MAX_UNCOMPRESSED:
        return False
    for info in members:
        if info.filename.lower().endswith(_PROGRAM_NAMES):
            return False
        with archive.open(info) as member:
            head = member.read(512)
        if head.startswith(_PROGRAM_MAGIC) or _is_archive(head):
            return False
        if head.startswith(ZIP_MAGIC) and not _nested_package_is_clean(archive, info, depth=depth):
            return False
        if head.startswith(OLE_MAGIC) and _holds_ole_package(archive, info):
            return False
    return True


def _nested_package_is_clean(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, depth: int) -> bool:
    if depth >= OOXML_MAX_NESTING:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(archive.read(info))) as nested:
            if "[Content_Types].xml" not in nested.namelist():
                return False
            return _package_members_are_clean(nested, depth=depth + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return False


def _holds_ole_package(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an embedded OLE object is the Packager's wrapper of an arbitrary file."""
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(1 << 16):
            if _OLE_PACKAGE_STREAM in tail + chunk:
                return True
            tail = chunk[-len(_OLE_PACKAGE_STREAM) :]
    return False


def sniff_content_type(uploaded: UploadedFile) -> str | None:
    """The file's type judged by its content (magic bytes), or None when it is not an allowed type.

    The name is not trusted: a renamed program is refused whatever it is called.
    """
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(OLE_MAGIC):
        return _ole_office_type(uploaded)
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(uploaded) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            uploaded.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        for prefix, content_type in _OOXML_PARTS:
            if any(name.startswith(prefix) for name in names):
                return content_type
    return None


def attachment_content_type(uploaded: UploadedFile) -> str | None:
    """The attachment's type by content, checked beyond the magic bytes; None when refused.

    Refused besides an unknown type: a file that also holds HTML a browser would render (a PDF/HTML
    polyglot), an Office package without its main part or holding a program or macro, a compound
    (OLE) file whose directory names no Word, Excel or PowerPoint stream.
    """
    content_type = sniff_content_type(uploaded)
    if content_type is None or _holds_html(uploaded):
        return None
    if content_type in _OOXML_MAIN_PART:
        try:
            with zipfile.ZipFile(uploaded) as archive:
                clean = _ooxml_is_clean(archive, content_type)
        except (zipfile.BadZipFile, OSError, RuntimeError):
            clean = False
        finally:
            uploaded.seek(0)
        if not clean:
            return None
    return content_type


def _display_name(name: str, content_type: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip() or _("附件")
    stem, extension = os.path.splitext(base)
    allowed, default = ALLOWED_TYPES[content_type]
    if extension.lower() not in allowed:
        # Give the file the extension of what it really is, so it opens in the right program.
        stem, extension = base, default
    return f"{stem[: 200 - len(extension)]}{extension}"


def attachment_limit(policy) -> int:
    """The largest attachment the organisation's policy allows, in bytes."""
    return policy.attachment_max_mb * 1024 * 1024


def attachment_too_large_message(policy) -> str:
    return _("附件不能超过 %(mb)s MB。") % {"mb": policy.attachment_max_mb}


def _sha256(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic
def summary_attachment_add(*, summary: MonthlySummary, actor: User, uploaded: UploadedFile) -> SummaryAttachment:
    """Attach evidence to an editable summary: not empty, size limited by policy, type checked by
    content, and not a second copy of a file already attached (same SHA-256)."""
    summary = workflow.lock(summary)
    workflow.check_owner_may_edit(summary, actor)
    refuse_if_quarter_closed(summary)
    policy = policy_for_organisation(organisation_id=summary.organisation_id)
    if not uploaded.size:
        raise ValidationError(
            _("文件“%(name)s”是空的（0 字节），请选择有内容的文件。") % {"name": uploaded.name}, code="empty"
        )
    if uploaded.size > attachment_limit(policy):
        raise ValidationError(attachment_too_large_message(policy), code="too_large")
    digest = _sha256(uploaded)
    duplicate = summary.attachments.filter(sha256=digest).first()
    if duplicate is not None:
        raise ValidationError(
            _("这个文件已经上传过（“%(name)s”），不必重复上传。") % {"name": duplicate.original_name}, code="duplicate"
        )
    content_type = attachment_content_type(uploaded)
    if content_type is None:
        raise ValidationError(
            _("不支持此文件类型（按文件内容判断，与文件名无关）。只能上传 PDF、图片（PNG/JPEG/GIF）或 Office 文档。")
        )
    name = _display_name(uploaded.name, content_type)
    attachment = SummaryAttachment(
        summary=summary,
        original_name=name,
        content_type=content_type,
        size=uploaded.size,
        sha256=digest,
        uploaded_by=actor,
    )
    # A random stored name: two uploads of "材料.pdf" do not collide, and names guess nothing.
    stored = f"{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}"
    attachment.file.save(get_valid_filename(stored), uploaded, save=False)
    stored_name = attachment.file.name
    try:
        with transaction.atomic():
            attachment.save()
    except IntegrityError as exc:
        # The same file sent twice at once: the other request stored it first.
        private_storage.delete(stored_name)
        raise ValidationError(_("这个文件已经上传过，不必重复上传。"), code="duplicate") from exc
    except Exception:
        private_storage.delete(stored_name)
        raise
    return attachment


@transaction.atomic
def summary_attachment_delete(*, attachment: SummaryAttachment, actor: User) -> None:
    """Remove an attachment from an editable summary; the file goes once the deletion is committed."""
    summary = workflow.lock(attachment.summary)
    workflow.check_owner_may_edit(summary, actor)
    refuse_if_quarter_closed(summary)
    stored_name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: private_storage.delete(stored_name))
