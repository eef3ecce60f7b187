"""Labels for the scheduling app's audit events, shown on the case timeline."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "practice_day_proposed": _("Praktikdag föreslagen"),
    "practice_day_declined": _("Föreslagna praktikdagar avböjda"),
    "practice_day_proposal_withdrawn": _("Förslag på praktikdag återtaget"),
    "programme_changed": _("Dagens program ändrat"),
    "minicex_started": _("Mini-CEX påbörjad"),
}
