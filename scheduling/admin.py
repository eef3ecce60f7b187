"""Scheduling in the admin: the reminders, read-only.

Reminders are written only by the planner and the sweep (scheduling.services.reminders); the admin shows
what is pending, sent and cancelled. The sweep itself is the django-q2 schedule
"mittist-reminder-sweep", listed under Bakgrundsjobb → Schemalagda jobb.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mittist.admin import ReadOnlyAdmin

from .models import Reminder


class ReminderStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", _("Väntar")), ("sent", _("Skickad")), ("cancelled", _("Inställd"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, cancelled_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "cancelled":
            return queryset.filter(cancelled_at__isnull=False)
        return queryset


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "due_on", "send_on", "sent_at", "cancelled_at"]
    list_filter = [ReminderStatusFilter, "kind", "send_on"]
    search_fields = ["case__trainee__full_name", "case__trainee__email"]
    list_select_related = ["case__trainee"]
    date_hierarchy = "send_on"
    ordering = ["-send_on", "-id"]
