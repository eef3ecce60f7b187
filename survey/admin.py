from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from mittist.admin import ReadOnlyAdmin
from mittist.definitions import VersionedDefinitionAdmin, localized

from .models import SurveyDefinition, SurveyResponse


@admin.register(SurveyDefinition)
class SurveyDefinitionAdmin(VersionedDefinitionAdmin):
    pass


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    """Read only: an answer is never added by hand, changed or deleted. Shown without its month and region,
    in key order (random), so that the admin cannot line an answer up with a case that closed."""

    list_display = ["year", "definition", "short"]
    list_filter = ["year", "definition"]
    ordering = ["-year", "id"]
    fields = ["year", "definition", "shown_answers"]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("nyckel"))
    def short(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description=_("svar"))
    def shown_answers(self, obj):
        items = {item["key"]: item for item in obj.definition.items}
        rows = ((localized(items.get(key, {"label": key}), "label"), value) for key, value in obj.answers.items())
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))
