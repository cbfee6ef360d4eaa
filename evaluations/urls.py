from .views import annual, grading, inputs, inspections, rollup, scores, veto

app_name = "evaluations"

urlpatterns = [
    *annual.urlpatterns,
    *grading.urlpatterns,
    *inputs.urlpatterns,
    *inspections.urlpatterns,
    *rollup.urlpatterns,
    *scores.urlpatterns,
    *veto.urlpatterns,
]
