"""Lets the core's case page show the deadlines without the core importing this app."""

from django import template

from ..deadlines import case_deadlines

register = template.Library()


@register.simple_tag
def deadlines_for(case):
    return case_deadlines(case)
