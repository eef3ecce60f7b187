from datetime import date

from django import template

register = template.Library()


@register.filter
def isodate(value):
    """"2026-12-05" (as e-mail tasks carry dates) → a date, for |date:"j F Y"; anything else as it is."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value
