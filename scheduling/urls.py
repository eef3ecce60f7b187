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
    *programme_views.urlpatterns,
]
