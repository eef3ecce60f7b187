"""Mini-CEX on other apps' pages (the case page, the evaluator's start page) without their importing it."""

from django import template
from django.db.models import Q

from ...extensions import minicex_back_link
from ..models import MiniCex

register = template.Library()

CASE_CARD_COLUMNS = ("case", "trainee", "state", "performed_on", "created_at", "clinical_context", "assessor_name",
                     "assessor_user", "mode", "assessor_confirmed_by")


@register.simple_tag(takes_context=True)
def case_minicex(context, case) -> list[MiniCex]:
    """The forms of a Mitt-i-ST case that the user looking at the page may open."""
    user = context["request"].user
    forms = MiniCex.objects.visible_to(user).filter(case=case).exclude(state=MiniCex.State.CANCELLED)
    # Only what the card shows and the assess rule reads: the whole form and its definition made a wide
    # query to compose on every case page, most of which have no forms at all.
    forms = list(forms.only(*CASE_CARD_COLUMNS).order_by("performed_on", "created_at"))
    for form in forms:
        form.assess_signed_in = form.state == MiniCex.State.AWAITING_ASSESSOR and user.has_perm(
            "minicex.assess_with_account", form
        )
    return forms


@register.simple_tag
def minicex_to_assess(user) -> list[MiniCex]:
    """Forms waiting for this user as their assessor, to fill in logged in (not those on a trainee's phone):
    the "minicex.assess_with_account" rule (rules.py) as a query."""
    if not user.is_authenticated:
        return []
    forms = MiniCex.objects.filter(assessor_user=user, state=MiniCex.State.AWAITING_ASSESSOR).filter(
        Q(mode=MiniCex.Mode.EMAIL_LINK)
        | Q(mode=MiniCex.Mode.SAME_DEVICE, assessor_confirmed_by=MiniCex.Confirmation.ACCOUNT)
    )
    return list(forms.select_related("trainee").order_by("performed_on", "created_at"))


@register.filter
def minicex_focus(form: MiniCex) -> list[str]:
    return form.definition.focus_text(form.focus)


@register.simple_tag
def minicex_last_event(form: MiniCex, action: str):
    """The latest audit row of one kind, e.g. when the assessor last saved a draft."""
    return form.events.filter(action=action).order_by("-at", "-id").first()


@register.simple_tag
def minicex_back(form: MiniCex):
    """Where the assessor returns to from the form, when an app registered a place (the day's programme)."""
    return minicex_back_link(form)
