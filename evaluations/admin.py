from django.contrib import admin

from mittist.admin import ReadOnlyAdmin

from .models import CaseEvent, Evaluation, Evaluator, PendingFileDeletion


@admin.register(Evaluator)
class EvaluatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "region", "home_clinic", "max_active_cases", "last_training_year", "active"]
    list_filter = ["active", "region"]
    search_fields = ["user__full_name", "user__email", "home_clinic"]
    autocomplete_fields = ["user"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_state", "to_state", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    # Every change to a case goes through a service (audited); the admin reads. Cases are never deleted
    # here: the purge removes their content and the audit trail stays.
    list_display = ["trainee", "state", "evaluator", "region", "next_due_on", "registered_at"]
    list_filter = ["state", "region", "curriculum"]
    search_fields = ["trainee__full_name", "trainee__email", "workplace"]
    readonly_fields = ["state", "personnummer_masked", "registered_at", "next_due_on", "next_due_kind"]
    exclude = ["personnummer_encrypted", "personnummer_hash"]
    inlines = [CaseEventInline]
    raw_id_fields = ["trainee", "evaluator"]


@admin.register(PendingFileDeletion)
class PendingFileDeletionAdmin(ReadOnlyAdmin):
    """Files the purge took out of the database but could not yet delete; the sweep retries them."""

    list_display = ["name", "case", "created_at", "attempts", "last_tried_at", "last_error"]
    readonly_fields = list_display
