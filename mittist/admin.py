"""Shared admin pieces. The admin reads; cases and what hangs on them change only through services."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; never added, changed or deleted here (nothing would be
    audited, and a deleted case would take its audit trail with it). The purge and the services remove."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
