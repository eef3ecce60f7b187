from django.urls import path

from . import views

app_name = "survey"

urlpatterns = [
    path("utvardering/<uuid:case_id>/", views.answer, name="answer"),
    path("utvardering/<uuid:case_id>/tack/", views.thanks, name="thanks"),
    path("kvalitet/utvardering/", views.results, name="results"),
    path("kvalitet/utvardering.csv", views.results_csv, name="results_csv"),
]
