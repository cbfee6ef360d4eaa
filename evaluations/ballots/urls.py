"""/evaluations/ballots/: HR's ballots, the raters' papers and the code holders' page."""

urlpatterns: list = []
