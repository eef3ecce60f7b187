from .views import documents, purged, recordings, sections, submission, supervisor

app_name = "portfolio"

# Each area of the portfolio keeps its own routes beside its views.
urlpatterns = [
    *sections.urlpatterns,
    *supervisor.urlpatterns,
    *documents.urlpatterns,
    *recordings.urlpatterns,
    *submission.urlpatterns,
    *purged.urlpatterns,
]
