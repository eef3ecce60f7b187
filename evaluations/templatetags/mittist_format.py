import re
from datetime import date

from django import template
from django.utils.formats import date_format

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


_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@register.filter
def dates_in_text(value):
    """Audit notes keep days as ISO ("Från 2026-11-25 till …"): shown in the lists' Swedish date style."""

    def swedish(match):
        try:
            return date_format(date(*(int(part) for part in match.groups())), "SHORT_DATE_FORMAT")
        except ValueError:
            return match.group(0)

    return _ISO_DAY.sub(swedish, str(value or ""))
