"""The schedules defined in code reach django-celery-beat's tables, in Asia/Shanghai time."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from appraisal_site.celery import app


@pytest.mark.django_db(transaction=True)  # beat closes the DB connection while setting up
def test_beat_copies_the_schedules_in_code_into_the_database():
    DatabaseScheduler(app=app).setup_schedule()
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("crontab")}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert tasks[name].task == entry["task"]
    reminders = tasks["deadline-reminders"].crontab
    assert (reminders.hour, reminders.minute) == ("9", "0")
    assert str(reminders.timezone) == "Asia/Shanghai"
