"""Labels for the portfolio's audit events, shown on the case timeline."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "section_saved": _("Portföljavsnitt sparat"),
    "supervisor_link_issued": _("Länk till handledaren skickad"),
    "supervisor_link_revoked": _("Länk till handledaren återkallad"),
    "supervisor_link_opened": _("Handledaren öppnade länken"),
    "supervisor_statement_saved": _("Handledarens utlåtande sparat"),
    "supervisor_statement_submitted": _("Handledarens utlåtande inskickat"),
    "document_uploaded": _("Dokument uppladdat"),
    "document_removed": _("Dokument borttaget"),
    "recording_saved": _("Inspelning registrerad"),
    "recording_removed": _("Inspelning borttagen"),
    "self_evaluation_saved": _("Video-egenvärdering sparad"),
    "material_downloaded": _("Materialet hämtat (PDF och dokument)"),
}
