"""The portfolio's card on the case's pages (registered in PortfolioConfig.ready; the core imports nothing here)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations.extensions import Link
from evaluations.rules import is_case_trainee
from mittist.accounts.rules import is_coordinator, is_evaluator, is_trainee


def _link(name: str, case, label: str, style: str = "secondary") -> Link:
    return Link(reverse(name, args=[case.pk]), label, style)


def portfolio_links(user, case) -> list[Link] | None:
    """Where each party goes for the portfolio of this case; None for those who have no part in it.

    By role, tested directly (not has_perm): a superuser sees the links of their own role only."""
    if (is_trainee & is_case_trainee).test(user, case):
        links = []
        if any(t.name == "submit_material" for t in case.get_available_user_state_transitions(user)):
            links.append(_link("portfolio:submit", case, _("Skicka in materialet"), "primary"))
        if case.trainee_texts_open:
            links += [
                _link("portfolio:overview", case, _("Skriv i portföljen")),
                _link("portfolio:recordings", case, _("Inspelningar")),
                _link("portfolio:supervisor", case, _("Handledarens utlåtande")),
            ]
        elif case.material_submitted_at:
            links.append(_link("portfolio:reading", case, _("Läs det du skickade in")))
        return links
    if is_evaluator.test(user):
        if case.material_submitted_at:
            return [
                _link("portfolio:reading", case, _("Läs materialet"), "primary"),
                _link("portfolio:reading_pdf", case, _("Ladda ner som PDF")),
            ]
        return [_link("portfolio:overview", case, _("Portföljens status"))]
    if is_coordinator.test(user):
        return [
            _link("portfolio:overview", case, _("Portföljens status")),
            _link("portfolio:supervisor", case, _("Länk till handledaren")),
        ]
    return None


def case_panel_context(request, case) -> dict | None:
    """The card on the case page and on the trainee's start page, while the case runs."""
    if case.is_ended:
        return None
    return {"links": portfolio_links(request.user, case)}
