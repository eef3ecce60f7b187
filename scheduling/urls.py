from django.urls import path

from . import programme_views, views

app_name = "scheduling"

practice_day_urlpatterns = [
    path("arenden/<uuid:case_id>/praktikdag/", views.practice_day, name="practice_day"),
    path("arenden/<uuid:case_id>/praktikdag/foresla/", views.propose, name="practice_day_propose"),
    path("arenden/<uuid:case_id>/praktikdag/avboj/", views.decline, name="practice_day_decline"),
    path(
        "arenden/<uuid:case_id>/praktikdag/forslag/<uuid:proposal_id>/bekrafta/",
        views.confirm,
        name="practice_day_confirm",
    ),
    path(
        "arenden/<uuid:case_id>/praktikdag/forslag/<uuid:proposal_id>/ta-tillbaka/",
        views.withdraw,
        name="practice_day_withdraw",
    ),
    path("arenden/<uuid:case_id>/praktikdag/flytta/", views.reschedule, name="practice_day_reschedule"),
    path("arenden/<uuid:case_id>/praktikdag.ics", views.practice_day_ics, name="practice_day_ics"),
]

urlpatterns = [
    *practice_day_urlpatterns,
    path("arenden/<uuid:case_id>/praktikdag/program/", programme_views.programme, name="programme"),
    path("arenden/<uuid:case_id>/praktikdag/program/forslag/", programme_views.programme_fill, name="programme_fill"),
    path("arenden/<uuid:case_id>/praktikdag/program/utskrift/", programme_views.programme_print, name="programme_print"),
    path("arenden/<uuid:case_id>/praktikdag/program/<uuid:item_id>/", programme_views.programme_item, name="programme_item"),
    path("arenden/<uuid:case_id>/praktikdag/program/<uuid:item_id>/ta-bort/", programme_views.programme_item_remove, name="programme_item_remove"),
    path("arenden/<uuid:case_id>/praktikdag/program.pdf", programme_views.programme_pdf, name="programme_pdf"),
    path("arenden/<uuid:case_id>/praktikdag/program/<uuid:item_id>/mini-cex/", programme_views.start_minicex, name="start_minicex"),
]
