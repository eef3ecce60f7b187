from django.urls import path

from . import verify, views

app_name = "reports"

urlpatterns = [
    path("arenden/<uuid:case_id>/rapport/", views.read, name="read"),
    path("arenden/<uuid:case_id>/rapport/skriv/", views.write, name="write"),
    path("arenden/<uuid:case_id>/rapport/autospara/", views.autosave, name="autosave"),
    path("arenden/<uuid:case_id>/rapport/forhandsgranska/", views.preview, name="preview"),
    path("arenden/<uuid:case_id>/rapport/skicka/", views.deliver, name="deliver"),
    path("arenden/<uuid:case_id>/rapport/rapport.pdf", views.pdf, name="pdf"),
    path("arenden/<uuid:case_id>/rapport/dela/", views.share, name="share"),
    path("arenden/<uuid:case_id>/kvalitetsgranskning/", views.review, name="review"),
    path("rapport/kontrollera/", verify.verify, name="verify"),
    path("rapport/delad/<str:token>/", views.shared_landing, name="shared_landing"),
    path("rapport/las/<uuid:share_id>/", views.shared_view, name="shared_view"),
    path("rapport/las/<uuid:share_id>/rapport.pdf", views.shared_pdf, name="shared_pdf"),
]
