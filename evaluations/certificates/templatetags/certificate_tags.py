from django import template

from ..forms import IssueEarlyForm, RevokeForm

register = template.Library()


@register.simple_tag(takes_context=True)
def certificate_forms(context, case):
    """The office's forms on the certificate card: fresh, or as posted when they came back with errors."""
    from ..views import BOUND_FORMS

    request = context.get("request")
    bound = getattr(request, BOUND_FORMS, None) or {}
    return {
        "issue": bound.get("issue") or IssueEarlyForm(),
        "revoke": bound.get("revoke") or RevokeForm(),
        "open": set(bound),
    }
