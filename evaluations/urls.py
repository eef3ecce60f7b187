from django.urls import path

from . import purge_views, views

app_name = "evaluations"

urlpatterns = [
    path("anmalan/", views.register, name="register"),
    path("koordinator/", views.dashboard, name="dashboard"),
    path("koordinator/export.csv", views.case_export, name="case_export"),
    path("koordinator/e-post/<uuid:message_id>/skicka-igen/", views.mail_resend, name="mail_resend"),
    path("koordinator/vardare/", views.evaluator_list, name="evaluator_list"),
    path("koordinator/vardare/ny/", views.evaluator_edit, name="evaluator_create"),
    path("koordinator/vardare/<uuid:evaluator_id>/", views.evaluator_edit, name="evaluator_edit"),
    path("arenden/<uuid:case_id>/", views.case_detail, name="case_detail"),
    path("arenden/<uuid:case_id>/vardare/", views.assign_evaluator, name="assign_evaluator"),
    path("arenden/<uuid:case_id>/steg/<slug:verb>/", views.case_action, name="case_action"),
    path("arenden/<uuid:case_id>/radering/", purge_views.purge_page, name="purge"),
    path("min-mitt-i-st/", views.trainee_home, name="trainee_home"),
    path("vardering/", views.evaluator_home, name="evaluator_home"),
    path("kvalitet/", views.quality_home, name="quality_home"),
    path("healthz", views.healthz, name="healthz"),
]
