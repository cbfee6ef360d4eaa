from datetime import date

import factory
from factory.django import DjangoModelFactory

from accounts.models import Department, DepartmentMembership, Organisation, Policy, Role, RoleAssignment, User

PASSWORD = "Test@2026pw"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    policy = factory.RelatedFactory("tests.factories.PolicyFactory", factory_related_name="organisation")


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("organisation",)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    organisation = factory.SubFactory(OrganisationFactory)
    # Not D001…: the `department` persona is D001.
    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"科室{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"人员{n}")
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    organisation = factory.LazyAttribute(lambda o: o.department.organisation if o.department else None)
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        if create and self.department_id:
            DepartmentMembership.objects.create(
                user=self, department_id=self.department_id, start_date=date(2026, 1, 1)
            )

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        for role in extracted if extracted is not None else [Role.STAFF]:
            RoleAssignment.objects.get_or_create(user=self, organisation=self.organisation, role=role)
