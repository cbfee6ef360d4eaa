from zoneinfo import ZoneInfo

from summaries.services import SummaryText

CHINA = ZoneInfo("Asia/Shanghai")


def text_of(summary, **changes) -> SummaryText:
    """The summary's current text with some parts changed; ``notes`` maps item content → note."""
    notes = {row.pk: row.note for row in summary.progress_notes.all()}
    by_content = {row.item_content: row.pk for row in summary.progress_notes.all()}
    for content, note in changes.pop("notes", {}).items():
        notes[by_content[content]] = note
    fields = {name: getattr(summary, name) for name in ("other_work", "problems", "next_month_plan")}
    fields.update(changes)
    return SummaryText(**fields, notes=notes)


def form_data(summary, *, version=None, **changes) -> dict:
    """The POST body of the edit form (and of the autosave script)."""
    text = text_of(summary, **changes)
    data = {
        "version": summary.version if version is None else version,
        "other_work": text.other_work,
        "problems": text.problems,
        "next_month_plan": text.next_month_plan,
    }
    data.update({f"note_{pk}": note for pk, note in text.notes.items()})
    return data


WRITTEN = "本月完成了预算编制初稿。"


def submit_written(*, summary, actor, now=None):
    """Hand a summary in after writing something in it: an empty summary is refused."""
    from summaries import services
    from summaries.models import MonthlySummary

    if not summary.other_work.strip():
        MonthlySummary.objects.filter(pk=summary.pk).update(other_work=WRITTEN)
        summary.other_work = WRITTEN
    return services.summary_submit(summary=summary, actor=actor, now=now)
