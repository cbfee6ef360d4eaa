"""URLs of the discipline room (mounted under /evaluations/ by evaluations.urls)."""

from django.urls import path

from .views import inspections, veto

urlpatterns = [
    path("inspections/", inspections.inspection_list, name="inspections"),
    path("inspections/new/", inspections.inspection_create, name="inspection_create"),
    path("inspections/export/", inspections.inspection_export, name="inspection_export"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/correct/", inspections.inspection_correct, name="inspection_correct"),
    path("inspections/<int:pk>/delete/", inspections.inspection_delete, name="inspection_delete"),
    path("inspections/alerts/<int:pk>/", inspections.compliance_alert_explain, name="compliance_alert_explain"),
    path("sanctions/", veto.sanction_list, name="sanction_list"),
    path("sanctions/new/", veto.sanction_edit, name="sanction_create"),
    path("sanctions/export/", veto.sanction_export, name="sanction_export"),
    path("sanctions/<int:pk>/edit/", veto.sanction_edit, name="sanction_edit"),
    path("sanctions/<int:pk>/delete/", veto.sanction_delete, name="sanction_delete"),
    path("sanctions/rules/", veto.sanction_rules, name="sanction_rules"),
    path("veto/", veto.veto_list, name="veto_list"),
    path("veto/<int:pk>/lift/", veto.veto_lift, name="veto_lift"),
    path("veto/reconcile/", veto.veto_reconcile, name="veto_reconcile"),
]
