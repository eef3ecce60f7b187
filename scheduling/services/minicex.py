"""Mitt-i-ST's practice day and mini-CEX: the evaluator assesses each sitting-in patient on their phone.

This app may use the mini-CEX services; the core never imports this module.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from evaluations.minicex.models import MiniCex
from evaluations.minicex.services import minicex_start_for_case
from evaluations.models import CaseEvent, Evaluation
from evaluations.rules import is_case_evaluator

from ..models import ProgrammeItem
from .programme import describe, patient_summary, programme_is_editable


class NotSittingIn(Exception):
    """Only a sitting-in patient of the case's programme gets a mini-CEX."""


class BeforePracticeDay(Exception):
    """The patients are seen on the practice day: no mini-CEX of them before it."""


def is_evaluators_programme(user, case: Evaluation) -> bool:
    """The case's evaluator while the programme is open (from the agreed day until the report)."""
    return is_case_evaluator(user, case) and programme_is_editable(case)


def can_start_minicex(user, case: Evaluation) -> bool:
    """The case's evaluator, from the practice day itself until the report is delivered."""
    return is_evaluators_programme(user, case) and case.practice_day_has_come()


def clinical_context(item: ProgrammeItem) -> str:
    # Stored on the trainee's form, so in Swedish like the rest of the form's text.
    with translation.override("sv"):
        parts = [f"Mitt-i-ST, medsittning {item.start:%H:%M}–{item.end:%H:%M}", *patient_summary(item)]
    return ", ".join(str(p) for p in parts)


def programme_item_start_minicex(*, case: Evaluation, by, item_id) -> MiniCex:
    """The slot's form: started now, or the one already started (a double tap starts one form, not two).

    The form is dated the practice day (its patients are seen then). Raises PermissionDenied (not the
    evaluator, or the programme is closed), BeforePracticeDay, ProgrammeItem.DoesNotExist (not in this
    case's programme) and NotSittingIn."""
    with transaction.atomic():
        case = Evaluation.objects.select_for_update(of=("self",)).select_related("evaluator", "trainee").get(pk=case.pk)
        if not is_evaluators_programme(by, case):
            raise PermissionDenied
        if not case.practice_day_has_come():
            raise BeforePracticeDay
        item = (ProgrammeItem.objects.select_for_update(of=("self",)).select_related("minicex")
                .get(pk=item_id, programme__case=case))
        if item.kind != ProgrammeItem.Kind.SITTING_IN:
            raise NotSittingIn
        if item.minicex is not None and item.minicex.state != MiniCex.State.CANCELLED:
            return item.minicex
        form = minicex_start_for_case(
            case=case, by=by, clinical_context=clinical_context(item), performed_on=case.practice_day
        )
        item.minicex = form
        item.save(update_fields=["minicex"])
        with translation.override("sv"):
            note = describe(item)
        CaseEvent.record(case, by, "minicex_started", note=note)
    return form
