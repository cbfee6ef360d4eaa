"""The tally as an Excel list (accounts.listing: at once when small, a background job when large;
written through accounts.excel.write_table)."""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import listing
from accounts.listing import ListRows, Sheet
from accounts.models import User
from accounts.person_columns import person_cells, person_headers

from .models import SCALE_CHOICES, Ballot, BallotScale, BallotState, Choice
from .selectors import SUGGEST_BASIC, PersonTally, Tally, ballot_tally

TALLY_EXPORT = "evaluations.ballot_tally"


def _headers(ballot: Ballot | None = None) -> list[str]:
    """The columns, the choices in the words of the ballot's own scale (优秀/称职/基本称职/不称职 or
    满意/基本满意/不满意/不了解), as its tally page shows them; without a ballot, the grades'. The
    service users' 不满意 share only on a satisfaction ballot (a grade ballot offers no 不满意)."""
    scale = ballot.scale if ballot is not None else BallotScale.GRADE
    labels = dict(Choice.choices)
    columns = [str(labels[choice]) for choice in SCALE_CHOICES[scale]]
    service = [_("其中服务对象有效票"), _("服务对象“不满意”占比（%）")] if scale == BallotScale.SATISFACTION else []
    return [
        *person_headers(),
        _("有效票"),
        *[text for column in columns for text in (column, _("%(choice)s占比（%%）") % {"choice": column})],
        *service,
        _("平均得分（德能勤绩廉合计）"),
        _("建议"),
        _("理由"),
    ]


@listing.exportable(
    TALLY_EXPORT, gettext_lazy("民主测评计票结果"), "evaluations.manage_ballots", "evaluations:ballot_tally", _headers
)
def _build(viewer: User, data: QueryDict, kwargs: dict) -> ListRows:
    ballot = Ballot.objects.filter(
        pk=kwargs["pk"], organisation_id=viewer.organisation_id, state=BallotState.CLOSED
    ).first()
    if ballot is None or not viewer.has_perm("evaluations.manage_ballot", ballot):
        raise Http404
    tally = ballot_tally(ballot=ballot)
    satisfaction = ballot.scale == BallotScale.SATISFACTION

    def row(p: PersonTally) -> list:
        return [
            *person_cells(p.person, p.person.department),
            p.valid,
            *[value for c in p.choices for value in (c.count, c.percent)],
            *([p.service_valid, p.service_dissatisfied_percent if p.service_valid else None] if satisfaction else []),
            p.average_total,
            str(ballot.suggestion_label) if p.suggestion == SUGGEST_BASIC else "",
            "；".join(p.reasons),
        ]

    return ListRows(
        items=tally.people,
        row=row,
        period=f"{ballot.title}-",
        headers=_headers(ballot),
        extra_sheets=lambda: [_summary_sheet(ballot, tally)],
    )


def _summary_sheet(ballot: Ballot, tally: Tally) -> Sheet:
    """What the tally page says above its table: raters, papers, void papers and why, the turnout
    (a user test found the workbook without them)."""
    lines = [
        (_("测评"), ballot.title),
        (_("测评人"), tally.raters),
        (_("已投票"), tally.voted),
        (_("废票"), tally.void),
        (_("有效票"), tally.valid),
    ]
    if tally.void_reasons:
        lines.append((_("废票原因"), "；".join(f"{reason} {n}" for reason, n in tally.void_reasons)))
    if tally.low_turnout:
        lines.append((_("说明"), _("投票人数不足测评人的三分之二。")))
    if tally.rated_raters:
        lines.append(
            (
                _("说明"),
                _("%(n)s名被测评人也是测评人，本人的测评票不评价自己，其有效票可能比有效票总数少一张。")
                % {"n": tally.rated_raters},
            )
        )
    return Sheet(_("计票说明"), [_("项目"), _("内容")], lines, row=list)
