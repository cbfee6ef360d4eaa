"""Feedback talks for the demo organisation (seed 002: 分管领导与所分管人员开展一次谈心谈话, 二级反馈).

For every quarter grade that is locked (定等) — the publication step locks them — the talker the
policy names (the supervising leader by default) has recorded a talk a few days after locking
(``feedback_talk_record``): for 好 the reasons, for 一般/较差 the shortcomings and what to improve.
About two in three are confirmed by the person (``feedback_talk_confirm``), with an opinion.
demo_staff's latest locked grade is left without a talk, so demo_leader has one on the home page to
record and demo_staff one to confirm after.

Nothing here locks a grade; a demo without locked quarters gets no talks. The services stamp the
present, so the moments of recording and confirming are backdated after.
"""

from __future__ import annotations

from datetime import timedelta

from accounts import periods
from accounts.models import Organisation
from accounts.selectors import policy_for_organisation
from evaluations.grading.models import QuarterGrade
from publicity.feedback.selectors import talk_texts_for, talker_id
from publicity.feedback.services import TalkData, feedback_talk_confirm, feedback_talk_record

from . import Report, Story, act, at_hour, backdate, builder, load

_TEXT = load("feedback")


@builder(seed_offset=17)
def build_demo_feedback(organisation: Organisation, story: Story) -> Report:
    rng, as_of = story.rng, story.as_of
    by = policy_for_organisation(organisation_id=organisation.pk).feedback_talk_by
    locked = QuarterGrade.objects.filter(department__organisation=organisation, feedback_talk=None).exclude(grade="")
    locked = locked.filter(locked_at__isnull=False).select_related("department", "person", "appraisal_quarter")
    grades = list(locked.order_by("appraisal_quarter__year", "appraisal_quarter__quarter", "pk"))
    # The grades come in order of their quarter: the last of demo_staff's is their latest.
    staff_latest = [g for g in grades if g.person.username == "demo_staff"][-1:]
    people = organisation.members.in_bulk()
    talks = confirmed = 0
    for grade in grades:
        talker = talker_id(department=grade.department, person_id=grade.person_id, by=by, headed=grade.headed)
        if talker is None or grade in staff_latest:
            continue
        # Locked (backdated by the publication step) before the demo's "today": the talk falls on or after it.
        talked_on = min(periods.today(grade.locked_at) + timedelta(days=rng.randint(1, 6)), as_of)
        # The content and the texts the talk's grade asks for (DOMAIN.md §6), each drawn from its list
        # of data/feedback.json.
        texts = {name: rng.choice(_TEXT[name]) for name in ("content", *talk_texts_for(grade.grade))}
        talk = act(people[talker], feedback_talk_record, grade=grade, data=TalkData(talked_on=talked_on, **texts))
        moments = {"recorded_at": at_hour(talked_on, 16)}
        confirmed_on, talks = talked_on + timedelta(days=1), talks + 1
        if rng.random() < 0.67 and confirmed_on <= as_of:
            act(grade.person, feedback_talk_confirm, talk=talk, opinion=rng.choice(_TEXT["opinions"]))
            moments["confirmed_at"], confirmed = at_hour(confirmed_on, 10), confirmed + 1
        backdate(talk, **moments)
    text = f"Feedback talks: {talks} recorded after locking, {confirmed} confirmed."
    return Report(talks=talks, confirmed=confirmed, text=text)
