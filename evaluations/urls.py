from .views import grading, inputs, rollup, scores

app_name = "evaluations"

urlpatterns = [*grading.urlpatterns, *inputs.urlpatterns, *rollup.urlpatterns, *scores.urlpatterns]
