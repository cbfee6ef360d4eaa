"""/evaluations/ballots/: HR's ballots, the raters' papers and the code holders' page."""

from django.urls import path

from . import views

urlpatterns = [
    path("ballots/", views.ballot_list, name="ballot_list"),
    path("ballots/new/", views.ballot_open, name="ballot_open"),
    path("ballots/<int:pk>/", views.ballot_detail, name="ballot_detail"),
    path("ballots/<int:pk>/close/", views.ballot_close, name="ballot_close"),
    path("ballots/<int:pk>/withdraw/", views.ballot_withdraw, name="ballot_withdraw"),
    path("ballots/<int:pk>/codes/", views.ballot_codes, name="ballot_codes"),
    path("ballots/<int:pk>/codes/print/", views.ballot_codes_print, name="ballot_codes_print"),
    path("ballots/<int:pk>/tally/", views.ballot_tally, name="ballot_tally"),
    path("ballots/<int:pk>/tally/export/", views.ballot_tally_export, name="ballot_tally_export"),
    path("ballots/mine/", views.my_ballots, name="my_ballots"),
    path("ballots/<int:pk>/paper/", views.paper, name="ballot_paper"),
    path("ballots/code/", views.code_entry, name="ballot_code"),
    path("ballots/code/paper/", views.code_paper, name="ballot_code_paper"),
]
