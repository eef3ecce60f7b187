from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mittist.admin import ReadOnlyAdmin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Read only: a certificate is issued and revoked through the case page, with its audit row and e-mail."""

    list_display = ["trainee_name", "code", "practice_day", "issued_at", "valid"]
    list_filter = ["revoked_at"]
    search_fields = ["trainee_name", "code", "evaluator_name"]
    fields = ["case", "code", "trainee_name", "evaluator_name", "practice_day", "issued_at", "issued_by",
              "early_reason", "revoked_at", "revoked_by", "revoked_reason"]
    readonly_fields = fields
    list_select_related = ["case"]

    @admin.display(boolean=True, description=_("giltigt"))
    def valid(self, obj):
        return obj.is_valid
