"""What the report writes to the read log (evaluations/readlog.py)."""

from django.utils.translation import gettext_lazy as _

from evaluations.readlog import register_read_kind

REPORT = "report"
REPORT_PDF = "report_pdf"
REPORT_PREVIEW = "report_preview"
REPORT_REVIEW = "report_review"
SHARED = "report_shared"
SHARED_PDF = "report_shared_pdf"


def register_read_kinds() -> None:
    register_read_kind(REPORT, _("Rapporten"))
    register_read_kind(REPORT_PDF, _("Rapporten som PDF"))
    register_read_kind(REPORT_PREVIEW, _("Rapporten (förhandsgranskning)"))
    register_read_kind(REPORT_REVIEW, _("Rapporten (kvalitetsgranskning)"))
    register_read_kind(SHARED, _("Rapporten via delningslänk"))
    register_read_kind(SHARED_PDF, _("Rapporten som PDF via delningslänk"))
