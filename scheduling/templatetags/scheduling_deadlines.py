"""Lets the core's case page show the deadlines without the core importing this app."""

from django import template

from ..deadlines import SURVEY, case_deadlines

register = template.Library()


@register.simple_tag
def deadlines_for(case, user=None):
    deadlines = case_deadlines(case)
    if user is not None and not user.has_perm("evaluations.see_survey_events", case):
        # When the survey was answered is not for those who read the answers (the quality group).
        deadlines = [d for d in deadlines if d.kind != SURVEY]
    return deadlines
