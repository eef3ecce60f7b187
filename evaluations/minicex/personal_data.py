"""The mini-CEX part of the trainee's own data (evaluations/personal_data.py runs these).

A mini-CEX belongs to the doctor assessed, not to a case (a BT doctor has no case at all): export and erasure
take every form of the person. Export: each form with the assessor's part and the person's own action plan.
Erasure: the person's forms (their events go with them) and training profile; on forms where the person
assessed a colleague (seed 004: a senior trainee may), the colleague's form stays, without the person's
name or address.
"""

from django.db.models import Q

from evaluations.extensions import ExportPart

from .models import MiniCex, MiniCexEvent, TrainingProfile

ERASED_ASSESSOR = "Raderad bedömare"


def _iso(value):
    return value.isoformat() if value else None


def _form(form: MiniCex) -> dict:
    return {
        "id": str(form.pk),
        "form": form.definition.name,
        "state": str(form.get_state_display()),
        "performed_on": _iso(form.performed_on),
        "clinical_context": form.clinical_context,
        "case_description": form.case_description,
        "reflection": form.reflection,
        "curriculum": form.curriculum,
        "goals": form.goals,
        "own_goals": form.free_goals,
        "focus": form.focus,
        "assessor": form.assessor_name,
        "assessor_email": form.assessor_email,
        "difficulty": form.difficulty,
        "ratings": form.ratings,
        "summary": form.summary,
        "suggestions": form.suggestions,
        "assessed_at": _iso(form.assessed_at),
        "action_plan": form.action_plan,
        "completed_at": _iso(form.completed_at),
    }


def export(person, cases) -> ExportPart | None:
    forms = MiniCex.objects.filter(trainee=person).select_related("definition").order_by("performed_on", "created_at")
    data = {"forms": [_form(f) for f in forms]}
    profile = TrainingProfile.objects.filter(user=person).first()
    if profile is not None:
        data["training"] = {
            "programme": str(profile.get_programme_display()),
            "curriculum": profile.curriculum,
            "training_start": _iso(profile.training_start),
            "part_time_percent": profile.part_time_percent,
        }
    return ExportPart(data) if data["forms"] or profile else None


def erase(person, cases) -> list[str]:
    MiniCex.objects.filter(trainee=person).delete()
    TrainingProfile.objects.filter(user=person).delete()
    assessed = MiniCex.objects.filter(Q(assessor_user=person) | Q(assessor_email__iexact=person.email))
    MiniCexEvent.objects.filter(minicex__in=assessed).filter(Q(actor=person) | ~Q(actor_label="")).update(
        actor_label=""
    )
    assessed.update(assessor_name=ERASED_ASSESSOR, assessor_email="", assessor_user=None)
    return []
