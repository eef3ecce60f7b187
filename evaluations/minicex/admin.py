"""Admin: form versions (editable until used), filled-in forms (read-only), training details."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mittist.admin import ReadOnlyAdmin
from mittist.forms import SafeTextMixin

from .models import FormDefinition, MiniCex, MiniCexEvent, TrainingProfile

JSON_FIELDS = ("difficulties", "focus_options", "rated_items", "scale", "curricula")


class PrettyJSONField(forms.JSONField):
    """Indented, with å/ä/ö as letters, so the labels can be read and edited."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class FormDefinitionForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = FormDefinition
        fields = [f.name for f in FormDefinition._meta.fields if f.editable]
        field_classes = {name: PrettyJSONField for name in JSON_FIELDS}
        widgets = {name: forms.Textarea(attrs={"rows": 16, "cols": 100}) for name in JSON_FIELDS}


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin):
    form = FormDefinitionForm
    # "Spara som ny" makes a new version: a form in use keeps the version it was filled in on.
    save_as = True
    list_display = ("name", "key", "kind", "is_active", "created_at", "forms_using")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "key")

    @admin.display(description=_("ifyllda formulär"))
    def forms_using(self, obj):
        return obj.forms.count()

    def _in_use(self, obj) -> bool:
        return obj is not None and obj.pk is not None and obj.forms.exists()

    def get_readonly_fields(self, request, obj=None):
        return ("created_at",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The fields stay editable even when the version is in use: "Spara som ny" copies only the
        # form's fields, so read-only ones would be lost from the new version. The form refuses instead.
        base = super().get_form(request, obj, change=change, **kwargs)
        return type("GuardedFormDefinitionForm", (base,), {
            "in_use": self._in_use(obj), "saving_as_new": "_saveasnew" in request.POST, "clean": _guarded_clean,
        })

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if self._in_use(obj) and request.method == "GET":
            messages.warning(request, IN_USE_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)


IN_USE_MESSAGE = _(
    "Den här versionen används av ifyllda formulär och kan inte ändras (bara om den används för nya formulär). "
    "Gör ändringarna, byt nyckel och välj ”Spara som ny”, så blir det en ny version."
)


def _guarded_clean(form):
    cleaned = super(type(form), form).clean()
    if form.in_use and not form.saving_as_new and set(form.changed_data) - {"is_active"}:
        raise forms.ValidationError(IN_USE_MESSAGE)
    return cleaned


class MiniCexEventInline(admin.TabularInline):
    model = MiniCexEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "actor_label", "from_state", "to_state", "note", "changes")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MiniCex)
class MiniCexAdmin(ReadOnlyAdmin):
    """Read-only: every change to a form goes through the services and leaves an audit row."""

    list_display = ("performed_on", "trainee", "assessor_name", "definition", "state", "mode", "case_link")
    list_filter = ("state", "mode", "definition__kind", "definition")
    search_fields = ("trainee__full_name", "trainee__email", "assessor_name", "assessor_email")
    date_hierarchy = "performed_on"
    list_select_related = ("trainee", "definition")
    exclude = ("link_token_hash", "code_hash")
    inlines = [MiniCexEventInline]

    @admin.display(description=_("Mitt-i-ST"))
    def case_link(self, obj):
        return format_html("✓") if obj.case_id else ""


@admin.register(TrainingProfile)
class TrainingProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "programme", "curriculum", "training_start", "part_time_percent")
    list_filter = ("programme", "curriculum")
    search_fields = ("user__full_name", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
