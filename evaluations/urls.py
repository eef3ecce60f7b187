from django.urls import path

from . import personal_data_views, purge_views, readlog, views

app_name = "evaluations"

urlpatterns = [
    path("anmalan/", views.register, name="register"),
    path("anmalan/skickad/", views.register_sent, name="register_sent"),
    path("anmalan/bekrafta/<str:token>/", views.register_confirm, name="register_confirm"),
    path("anmalan/bekraftad/", views.register_confirmed, name="register_confirmed"),
    path("anmalan/flaggad/<uuid:registration_id>/", views.flagged_registration, name="flagged_registration"),
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
    path("arenden/<uuid:case_id>/vem-har-last/", readlog.read_log_page, name="read_log"),
    path("arenden/<uuid:case_id>/personuppgifter/radera/", personal_data_views.erase, name="erase_personal_data"),
    path("arenden/<uuid:case_id>/personuppgifter/begar-radering/", personal_data_views.request_erasure,
         name="request_erasure"),
    path("min-mitt-i-st/", views.trainee_home, name="trainee_home"),
    path("min-mitt-i-st/mina-uppgifter/", personal_data_views.my_data, name="my_data"),
    path("min-mitt-i-st/mina-uppgifter.zip", personal_data_views.my_data_export, name="my_data_export"),
    path("vardering/", views.evaluator_home, name="evaluator_home"),
    path("kvalitet/", views.quality_home, name="quality_home"),
    path("healthz", views.healthz, name="healthz"),
]
