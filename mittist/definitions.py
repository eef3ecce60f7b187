"""Forms whose questions are data: the report's sections, the quality checklist, the survey.

Each is a versioned row edited in the admin. A version that has been used is never changed (what was
answered keeps the questions it answered); "Spara som ny" in the admin makes the next version, and the
newest active version is used for new answers.

`items` is a list of dicts, one per question, in order:

    {"key": "summary",             # stored answers are keyed by this: add keys, never rename them
     "label": "Sammanfattning",    # Swedish, the source language
     "label_en": "Summary",        # optional; shown in the English interface
     "help": "...", "help_en": "...",
     "kind": "text",               # which kinds a form allows is up to the form (KINDS on the model)
     "required": true}

plus any keys a kind needs (e.g. "choices" for a scale).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def localized(item: dict, name: str) -> str:
    """item["label"] in Swedish, item["label_en"] in English when there is one."""
    language = translation.get_language() or "sv"
    if not language.startswith("sv"):
        other = item.get(f"{name}_{language[:2]}")
        if other:
            return str(other)
    return str(item.get(name, "") or "")


class VersionedDefinition(models.Model):
    KINDS: tuple[str, ...] = ("text",)

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("rubrik"), max_length=200)
    items = models.JSONField(_("frågor"), default=list)
    active = models.BooleanField(_("används för nya"), default=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["-version"]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @classmethod
    def current(cls):
        return cls.objects.filter(active=True).order_by("-version").first()

    def in_use(self) -> bool:
        raise NotImplementedError

    @property
    def keys(self) -> list[str]:
        return [item["key"] for item in self.items]

    def item(self, key: str) -> dict | None:
        return next((item for item in self.items if item["key"] == key), None)

    def clean(self):
        errors = validate_items(self.items, self.KINDS)
        if errors:
            raise ValidationError({"items": errors})


def validate_items(items, kinds) -> list[str]:
    if not isinstance(items, list) or not items:
        return [_("Ange en lista med minst en fråga.")]
    errors, seen = [], set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(_("Fråga %(n)s är inte ett objekt med nycklar.") % {"n": number})
            continue
        key = item.get("key")
        if not isinstance(key, str) or not key.isidentifier():
            errors.append(_("Fråga %(n)s saknar en nyckel (bokstäver, siffror och _).") % {"n": number})
        elif key in seen:
            errors.append(_("Nyckeln %(key)s finns två gånger.") % {"key": key})
        seen.add(key)
        if not str(item.get("label", "")).strip():
            errors.append(_("Fråga %(n)s saknar text (label).") % {"n": number})
        if item.get("kind", kinds[0]) not in kinds:
            errors.append(
                _("Fråga %(n)s har en okänd sort. Tillåtna: %(kinds)s.") % {"n": number, "kinds": ", ".join(kinds)}
            )
    return errors


class PrettyJSONField(forms.JSONField):
    """Indented, with å/ä/ö as letters, so the questions can be read and edited."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


IN_USE_MESSAGE = _(
    "Den här versionen har använts och kan inte ändras (bara om den används för nya). "
    "Gör ändringarna, byt versionsnummer och välj ”Spara som ny”, så blir det en ny version."
)


class VersionedDefinitionAdmin(admin.ModelAdmin):
    """Editable until used; then only "Spara som ny" (save_as) and switching it off for new answers."""

    save_as = True
    list_display = ("title", "version", "active", "created_at", "used")
    list_filter = ("active",)

    @admin.display(description=_("använd"), boolean=True)
    def used(self, obj):
        return obj.in_use()

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("field_classes", {"items": PrettyJSONField})
        kwargs.setdefault("widgets", {"items": forms.Textarea(attrs={"rows": 24, "cols": 110})})
        base = super().get_form(request, obj, change=change, **kwargs)
        in_use = obj is not None and obj.pk is not None and obj.in_use()
        saving_as_new = "_saveasnew" in request.POST

        def clean(form):
            cleaned = super(type(form), form).clean()
            if in_use and not saving_as_new and set(form.changed_data) - {"active"}:
                raise forms.ValidationError(IN_USE_MESSAGE)
            return cleaned

        return type(f"Guarded{base.__name__}", (base,), {"clean": clean})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.in_use() and request.method == "GET":
            messages.warning(request, IN_USE_MESSAGE)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.in_use()
