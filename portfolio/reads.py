"""What the portfolio writes to the read log (evaluations/readlog.py) when someone but the trainee reads it."""

from django.utils.translation import gettext_lazy as _

from evaluations.readlog import register_read_kind

PORTFOLIO_OVERVIEW = "portfolio_overview"
PORTFOLIO_SECTION = "portfolio_section"
MATERIAL = "material"
MATERIAL_PDF = "material_pdf"
DOCUMENT = "document"
RECORDINGS = "recordings"
SELF_EVALUATION = "self_evaluation"


def register_read_kinds() -> None:
    register_read_kind(PORTFOLIO_OVERVIEW, _("Portföljens översikt"))
    register_read_kind(PORTFOLIO_SECTION, _("Portföljavsnitt"))
    register_read_kind(MATERIAL, _("Materialet (sidan)"))
    register_read_kind(MATERIAL_PDF, _("Materialet som PDF"))
    register_read_kind(DOCUMENT, _("Dokument"))
    register_read_kind(RECORDINGS, _("Inspelning"))
    register_read_kind(SELF_EVALUATION, _("Video-egenvärdering för inspelning"))
