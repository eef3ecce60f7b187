from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("arenden/<uuid:case_id>/intyg.pdf", views.download, name="download"),
    path("arenden/<uuid:case_id>/intyg/utfarda/", views.issue_early, name="issue_early"),
    path("arenden/<uuid:case_id>/intyg/aterkalla/", views.revoke, name="revoke"),
    # Public, no login: the address printed on the certificate and held by its QR code.
    path("kontrollera-intyg/", views.verify, name="verify"),
    path("kontrollera-intyg/<str:code>/", views.verify_code, name="verify_code"),
]
