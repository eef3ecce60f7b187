from django.urls import path

from .views import practice_day, programme

app_name = "scheduling"

practice_day_urlpatterns = [
    path("arenden/<uuid:case_id>/praktikdag/", practice_day.practice_day, name="practice_day"),
    path("arenden/<uuid:case_id>/praktikdag/foresla/", practice_day.propose, name="practice_day_propose"),
    path("arenden/<uuid:case_id>/praktikdag/avboj/", practice_day.decline, name="practice_day_decline"),
    path(
        "arenden/<uuid:case_id>/praktikdag/forslag/<uuid:proposal_id>/bekrafta/",
        practice_day.confirm,
        name="practice_day_confirm",
    ),
    path(
        "arenden/<uuid:case_id>/praktikdag/forslag/<uuid:proposal_id>/ta-tillbaka/",
        practice_day.withdraw,
        name="practice_day_withdraw",
    ),
    path("arenden/<uuid:case_id>/praktikdag/flytta/", practice_day.reschedule, name="practice_day_reschedule"),
    path("arenden/<uuid:case_id>/praktikdag.ics", practice_day.practice_day_ics, name="practice_day_ics"),
]

urlpatterns = [
    *practice_day_urlpatterns,
    path("arenden/<uuid:case_id>/praktikdag/program/", programme.programme, name="programme"),
    path("arenden/<uuid:case_id>/praktikdag/program/forslag/", programme.programme_fill, name="programme_fill"),
    path("arenden/<uuid:case_id>/praktikdag/program/utskrift/", programme.programme_print, name="programme_print"),
    path("arenden/<uuid:case_id>/praktikdag/program/<uuid:item_id>/", programme.programme_item, name="programme_item"),
    path("arenden/<uuid:case_id>/praktikdag/program/<uuid:item_id>/ta-bort/", programme.programme_item_remove, name="programme_item_remove"),
    path("arenden/<uuid:case_id>/praktikdag/program.pdf", programme.programme_pdf, name="programme_pdf"),
    path("arenden/<uuid:case_id>/praktikdag/program/<uuid:item_id>/mini-cex/", programme.start_minicex, name="start_minicex"),
]
