"""Factories for a publication window, its entries and the objections to them: a test's given rows
as the publication services leave them (publicity.publication.services), written directly where a
test needs a state or a date the services would not give it today.

The publisher is named (``published_by``) and the organisation is the publisher's unless given;
an entry's window, department and organisation follow its publication and its person."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts import periods
from publicity.publication.models import Objection, Publication, PublicationEntry, PublicationKind
from tests.factories import Factory, UserFactory


class PublicationFactory(Factory):
    class Meta:
        model = Publication

    published_by = factory.SubFactory(UserFactory)
    organisation = factory.SelfAttribute("published_by.organisation")
    kind = PublicationKind.QUARTER
    year = factory.LazyAttribute(lambda o: o.starts_on.year)
    title = "公示"
    starts_on = factory.LazyFunction(periods.today)
    # A week's window; a test about the window's length gives its own dates.
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=6))
    published_at = factory.LazyFunction(timezone.now)


class PublicationEntryFactory(Factory):
    class Meta:
        model = PublicationEntry

    publication = factory.SubFactory(PublicationFactory)
    person = factory.SubFactory(UserFactory)
    department = factory.SelfAttribute("person.department")
    grade_label = "好"
    window_starts_on = factory.SelfAttribute("publication.starts_on")
    window_ends_on = factory.SelfAttribute("publication.ends_on")


class ObjectionFactory(Factory):
    class Meta:
        model = Objection

    entry = factory.SubFactory(PublicationEntryFactory)
    organisation = factory.SelfAttribute("entry.publication.organisation")
    objector = factory.SubFactory(UserFactory)
    text = "异议"
    lodged_at = factory.LazyFunction(timezone.now)
