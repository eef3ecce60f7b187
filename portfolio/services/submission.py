"""Submitting the material: the portfolio goes to the evaluator and the trainee's texts lock."""

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from evaluations.models import Evaluation
from evaluations.services import CaseStateError, case_submit_material, require_permission

from ..selectors import Missing, portfolio_status
from .common import PortfolioError


class MaterialIncomplete(PortfolioError):
    """The check failed: `missing` says exactly what, each with a link to where it is fixed."""

    def __init__(self, missing: list[Missing]):
        self.missing = missing
        super().__init__(
            _("Materialet kan inte skickas in än. Det här saknas: %(missing)s")
            % {"missing": "; ".join(m.text for m in missing)}
        )


def material_submit(*, case: Evaluation, by) -> Evaluation:
    """Check the portfolio and, if it is complete, submit it (on time or late: late is never refused).

    The check runs on the locked case, so nothing can change between the check and the submission.
    The trainee's texts lock because `Evaluation.trainee_texts_open` turns False; the evaluator is
    e-mailed by `case_submit_material` once the transaction commits.
    """
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=case.pk)
        # Rights first, then the state, so someone without rights learns nothing about the portfolio.
        require_permission(locked, by, "submit_material")
        if not can_proceed(locked.submit_material):
            # A second click (or a second tab) meets a submitted case: say so, not that it cannot be done.
            if locked.material_submitted_at is not None:
                raise CaseStateError(_("Materialet är redan inskickat."))
            raise CaseStateError(_("Materialet kan inte skickas in i detta skede."))
        status = portfolio_status(locked)
        if not status.ready:
            raise MaterialIncomplete(status.missing)
        return case_submit_material(case=locked, by=by)
