from django.urls import path, register_converter

from .views import documents, purged, recordings, sections, submission, supervisor

app_name = "portfolio"


class SectionCodeConverter:
    """One capital letter A–F, so that the other portfolio pages' paths (portfolj/inspelningar/ …) never land here."""

    regex = "[A-F]"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(SectionCodeConverter, "section_code")


urlpatterns = [
    # sections
    path("arenden/<uuid:case_id>/portfolj/", sections.overview, name="overview"),
    path("arenden/<uuid:case_id>/portfolj/<section_code:code>/", sections.section_page, name="section"),
    path("arenden/<uuid:case_id>/portfolj/<section_code:code>/autospara/", sections.section_autosave, name="section_autosave"),
    # supervisor
    path("arenden/<uuid:case_id>/handledare/", supervisor.supervisor, name="supervisor"),
    path("handledare/utlatande/<uuid:link_id>/", supervisor.supervisor_statement, name="supervisor_statement"),
    path("handledare/utlatande/<uuid:link_id>/autospara/", supervisor.supervisor_statement_autosave, name="supervisor_statement_autosave"),
    path("handledare/utlatande/<uuid:link_id>/skicka-in/", supervisor.supervisor_statement_submit, name="supervisor_statement_submit"),
    path("handledare/<str:token>/", supervisor.supervisor_landing, name="supervisor_landing"),
    # documents
    path("arenden/<uuid:case_id>/dokument/<str:kind>/", documents.upload, name="document_upload"),
    path("arenden/<uuid:case_id>/dokument/<str:kind>/ta-bort/", documents.remove, name="document_remove"),
    path("dokument/<uuid:document_id>/", documents.download, name="document_download"),
    # recordings
    path("arenden/<uuid:case_id>/inspelningar/", recordings.recording_list, name="recordings"),
    path("arenden/<uuid:case_id>/inspelningar/<uuid:recording_id>/", recordings.recording_edit, name="recording_edit"),
    path("arenden/<uuid:case_id>/inspelningar/<uuid:recording_id>/ta-bort/", recordings.recording_delete, name="recording_delete"),
    path("arenden/<uuid:case_id>/inspelningar/<uuid:recording_id>/egenvardering/", recordings.self_evaluation, name="self_evaluation"),
    # submission
    path("arenden/<uuid:case_id>/skicka-in/", submission.submit, name="submit"),
    path("arenden/<uuid:case_id>/material/", submission.reading, name="reading"),
    path("arenden/<uuid:case_id>/material.pdf", submission.reading_pdf, name="reading_pdf"),
    path("arenden/<uuid:case_id>/material.pdf/forsok-igen/", submission.reading_pdf_retry, name="reading_pdf_retry"),
    # purged
    path("arenden/<uuid:case_id>/material.zip", purged.material_download, name="material_download"),
]
