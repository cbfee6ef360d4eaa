"""Shared personas: one organisation with two departments, their heads and supervising leader,
the separated roles, and an outsider from another organisation."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db.backends.signals import connection_created
from django.utils.functional import empty

from accounts.models import Role
from accounts.storage import private_storage
from tests.factories import PASSWORD, DepartmentFactory, OrganisationFactory, UserFactory
from tests.support import schema_cache

# Fixtures kept beside their helpers and shared by test modules of more than one app.
pytest_plugins = ["tests.support.welfare"]

# The in-memory SQLite test database is migrated once per schema and restored by later runs.
schema_cache.install()


def _allow_the_test_flush_to_truncate_the_audit_log(sender, connection, **kwargs) -> None:
    # The audit table refuses TRUNCATE on PostgreSQL (`AUDIT_APPEND_ONLY` in the accounts squash) unless the session
    # says otherwise; the test runner's flush between transactional tests empties every table
    # with TRUNCATE. Only the test runner sets this; the application never does.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET appraisal.audit_truncate = 'on'")


connection_created.connect(_allow_the_test_flush_to_truncate_the_audit_log)


# make test-e2e, test-broker and test-one-database collect only the files the Makefile finds for
# them (E2E_FILES, BROKER_FILES, ONE_DATABASE_FILES): the browser tests' folder, and the files that
# name the marker broker or one_database. A test marked so elsewhere would be left out of its run.
_PART_FOLDERS = {"e2e": Path(__file__).resolve().parent / "e2e"}
_PART_MARKERS = ("broker", "one_database")
# A test that asks for no database cannot depend on its engine: it is engine_neutral (make test-postgres
# leaves it to the SQLite run) without saying so.
# (django_db_blocker is in every test's closure; a fixture that unblocks it for its own rows asks for
# django_db_setup.) A test marked postgres is PostgreSQL's own.
_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
    | {"django_db_setup"}
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    texts: dict[Path, str] = {}
    for item in items:
        asks = set(getattr(item, "fixturenames", ()))
        marked = item.get_closest_marker("django_db") or item.get_closest_marker("postgres")
        if not (marked or _DATABASE_FIXTURES & asks):
            item.add_marker(pytest.mark.engine_neutral)
        path = Path(item.path).resolve()
        for marker, folder in _PART_FOLDERS.items():
            if item.get_closest_marker(marker) and folder not in path.parents:
                raise pytest.UsageError(f"{item.nodeid} is marked {marker} outside {folder} (see E2E_FILES)")
        for marker in _PART_MARKERS:
            if item.get_closest_marker(marker):
                text = texts.setdefault(path, path.read_text(encoding="utf-8"))
                if marker not in text or (marker == "broker" and "mark.broker" not in text):
                    raise pytest.UsageError(
                        f"{item.nodeid} is marked {marker} but its file does not say so: the Makefile's "
                        f"{marker.upper()}_FILES would leave it out"
                    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # On PostgreSQL the test database is a copy of a template migrated once (schema_cache).
    schema_cache.use_postgres_template()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(code="testorg", name="测试局")


def _separate(organisation, username, role, full_name):
    """A persona of the organisation outside every department, holding one role."""
    return UserFactory(username=username, full_name=full_name, organisation=organisation, department=None, roles=[role])


def _separate_persona(fixture_name: str, username: str, role: Role, full_name: str):
    """A fixture giving the persona ``_separate`` makes."""

    @pytest.fixture(name=fixture_name)
    def persona(organisation):
        return _separate(organisation, username, role, full_name)

    return persona


leader = _separate_persona("leader", "leader", Role.SUPERVISING_LEADER, "分管领导")
chief = _separate_persona("chief", "chief", Role.AGENCY_HEAD, "局长")
hr = _separate_persona("hr", "hr", Role.HR_ADMIN, "人事干部")
inspector = _separate_persona("inspector", "inspector", Role.INSPECTOR, "纪检干部")
auditor = _separate_persona("auditor", "auditor", Role.AUDITOR, "审计员")
sysadmin = _separate_persona("sysadmin", "sysadmin", Role.SYSADMIN, "系统管理员")
security_admin = _separate_persona("security_admin", "secadmin", Role.SECURITY_ADMIN, "安全管理员")


@pytest.fixture
def department(organisation, leader):
    return DepartmentFactory(organisation=organisation, code="D001", name="办公室", supervising_leader=leader)


def _head_of(department, username: str, full_name: str):
    person = UserFactory(
        username=username, full_name=full_name, department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD]
    )
    department.head = person
    department.save()
    return person


@pytest.fixture
def head(department):
    return _head_of(department, "head", "科长")


@pytest.fixture
def staff(department, head):
    return UserFactory(username="staff", full_name="科员甲", department=department)


@pytest.fixture
def colleague(department, head):
    return UserFactory(username="colleague", full_name="科员乙", department=department)


@pytest.fixture
def other_department(organisation, leader):
    return DepartmentFactory(organisation=organisation, code="D002", name="财务科", supervising_leader=leader)


@pytest.fixture
def other_head(other_department):
    """The head of another department of the same organisation."""
    return _head_of(other_department, "otherhead", "财务科长")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(code="otherorg", name="其他局")


@pytest.fixture
def outsider(other_organisation):
    department = DepartmentFactory(organisation=other_organisation, code="X001", name="外单位科室")
    return UserFactory(username="outsider", full_name="外单位人员", department=department)


@pytest.fixture
def private_files(settings, tmp_path):
    """Stored files (attachments, job results) go to the test's own folder, whose path this is."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    # The storage reads the setting once; make it read the test's folder.
    private_storage._wrapped = empty
    yield settings.PRIVATE_FILES_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def mail_server(settings):
    """E-mail configured, as on a site with an SMTP host; what is sent lands in the test outbox."""
    settings.EMAIL_HOST = "smtp.example.gov.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def mail_to(mail_server):
    """E-mail configured (``mail_server``), and a function giving each of ``people`` an address,
    ``<username>@example.gov.cn``."""

    def give(*people) -> None:
        for person in people:
            person.email = f"{person.username}@example.gov.cn"
            person.save(update_fields=["email"])

    return give


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def client_for(client):
    """Log a persona in: ``client_for(hr).get(...)``.

    A client still signed in as ``user`` (the same account, its password unchanged, the session
    neither ended nor flagged for a second factor) is returned as it is: signing in again wrote a
    session, the last sign-in time and an audit entry for every request of a test that asks for the
    same persona before each request (a few milliseconds each, thousands of times a run)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.middleware import TWO_FACTOR_SESSION_KEY

    def login(user):
        if settings.SESSION_COOKIE_NAME in client.cookies:
            session = client.session
            if (
                session.get(SESSION_KEY) == str(user.pk)
                and session.get(HASH_SESSION_KEY) == user.get_session_auth_hash()
                and session.get(BACKEND_SESSION_KEY)
                and TWO_FACTOR_SESSION_KEY not in session
                and session.exists(session.session_key)
            ):
                return client
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English (the language switch) leaves English active in the thread; texts a
    # later test stores (notifications) must not depend on which test ran before.
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _session_renewal_outside_the_test(settings):
    # Query counts compare requests made seconds apart; a renewal of the idle timeout falling
    # between them would count a session write (tests of the renewal set their own period).
    settings.SESSION_RENEW_SECONDS = 24 * 3600


@pytest.fixture(autouse=True)
def _empty_cache():
    # Counters kept in the cache (wrong ballot codes per address) must not carry from test to test:
    # every test client comes from 127.0.0.1.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.3 s per hash; tests create and sign in many people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
