from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("arenden/<uuid:case_id>/intyg.pdf", views.download, name="download"),
]
