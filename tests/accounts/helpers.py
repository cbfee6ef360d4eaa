from django.urls import reverse

from accounts.models import PendingRoleChange, User


def sign_in(client, username: str, password: str, address: str = "10.0.0.66", **extra):
    """The sign-in form posted by ``client`` from ``address`` (``extra``: more of the request, such
    as a forwarded-for header)."""
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def lock_out(client, username: str, **request):
    """Five wrong passwords for ``username``, the default limit, sent as :func:`sign_in` sends
    them; the last answer (the lockout page)."""
    for _ in range(5):
        response = sign_in(client, username, "wrong-password", **request)
    return response


def fresh(person: User) -> User:
    """``person`` read again from the database (their roles as they stand now, nothing cached)."""
    return User.objects.get(pk=person.pk)


def waiting_for(person: User):
    """The role changes of ``person`` that wait for a second person's decision."""
    return PendingRoleChange.objects.filter(user=person, state=PendingRoleChange.State.PENDING)


def post_new_person(client, department, *, username: str, employee_number: str, full_name: str = "新同事"):
    """The 新增人员 form posted by ``client``: a civil servant in a general post of ``department``
    (None: 不在科室, as the leadership is); followed, when it creates the person, to the page of
    their one-time password it redirects to."""
    data = {
        "username": username,
        "full_name": full_name,
        "employee_number": employee_number,
        "department": department.pk if department is not None else "leadership",
        "staff_type": "civil_servant",
        "position_category": "general",
    }
    return client.post(reverse("accounts:staff_create"), data, follow=True)
