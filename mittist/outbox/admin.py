from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: what went where and how it went; never the text (it stays sealed)."""

    list_display = ["created_at", "template", "recipient_email", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "template"]
    search_fields = ["recipient_email", "template"]
    fields = ["template", "recipient_email", "recipient_name", "recipient_user", "case_id", "state", "attempts",
              "next_attempt_at", "claimed_at", "sent_at", "last_error", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
