"""The main menu: the core's pages for each role, then what the satellites registered (register_nav_item).

Who sees an item is a predicate on the user's role, tested directly: a superuser's menu is their role's
(has_perm would give them every item). The administration link is the template's, for superusers.
"""

from functools import partial

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mittist.accounts.rules import (
    is_coordinator,
    is_evaluator,
    is_quality_reviewer,
    is_supervisor,
    is_trainee,
)

from .extensions import NavItem, registry
from .minicex.models import Programme


@rules.predicate
def is_bt_doctor(user):
    # A BT doctor has no Mitt-i-ST of their own (that is for ST): their start page is their mini-CEX.
    training = getattr(user, "training", None)
    return getattr(training, "programme", "") == Programme.BT


CORE_ITEMS = [
    NavItem("evaluations:dashboard", _("Översikt"), 10, is_coordinator),
    NavItem("evaluations:evaluator_list", _("Värderarpoolen"), 20, is_coordinator,
            ("evaluations:evaluator_create", "evaluations:evaluator_edit")),
    NavItem("minicex:trainees", _("Mini-CEX"), 30, is_coordinator),
    NavItem("evaluations:trainee_home", _("Min Mitt-i-ST"), 10, is_trainee & ~is_bt_doctor),
    NavItem("minicex:list", _("Mini-CEX"), 30, is_trainee),
    NavItem("evaluations:evaluator_home", _("Mina värderingar"), 10, is_evaluator),
    NavItem("minicex:assessments", _("Mini-CEX att bedöma"), 10, is_supervisor),
    NavItem("evaluations:quality_home", _("Kvalitetsgranskning"), 10, is_quality_reviewer),
]


def nav_items(request) -> list[dict]:
    """[{url, label, current}] of the signed-in user's menu, in order."""
    user = request.user
    if not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else None
    items = sorted(CORE_ITEMS + registry.nav_items, key=lambda n: n.order)
    return [
        {"url": reverse(item.url_name), "label": item.label, "current": here in (item.url_name, *item.current)}
        for item in items
        if item.shows.test(user)
    ]


def navigation(request) -> dict:
    # Computed only when a page shows the menu (the template calls it), not for every partial.
    return {"nav_items": partial(nav_items, request)}
