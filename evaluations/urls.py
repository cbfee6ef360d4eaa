"""/evaluations/: each room's URLs under one namespace, so every URL name stays ``evaluations:…``."""

from .annual.urls import urlpatterns as annual_urls
from .ballots.urls import urlpatterns as ballots_urls
from .discipline.urls import urlpatterns as discipline_urls
from .grading.urls import urlpatterns as grading_urls
from .welfare.urls import urlpatterns as welfare_urls

app_name = "evaluations"

urlpatterns = [*annual_urls, *grading_urls, *discipline_urls, *ballots_urls, *welfare_urls]
