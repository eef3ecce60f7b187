from django import template

from ..selectors import report_facts as _report_facts

register = template.Library()


@register.simple_tag
def report_facts(case):
    """{% report_facts case as facts %}: the report's dates and flags (never its text)."""
    return _report_facts(case)
