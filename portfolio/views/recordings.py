"""Recorded consultations (2–4 per case) and the video self-evaluation of each.

The trainee writes while the texts are open; the evaluator reads once the material is submitted;
the coordinator sees only counts elsewhere, never these pages (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations.models import Evaluation
from evaluations.readlog import record_view
from evaluations.rules import is_case_trainee
from evaluations.views import visible_case
from mittist.forms import add_validation_error

from .. import reads
from ..forms import RecordingForm, SelfEvaluationForm
from ..models import Recording, SelfEvaluationTemplate
from ..selectors import MAX_RECORDINGS, MIN_RECORDINGS
from ..services import recordings as services
from ..services.common import PortfolioError
from .purged import unless_purged

# --- helpers -------------------------------------------------------------------------------------


def _require_readable(request, case: Evaluation) -> None:
    """A case the user may see (unless_purged gave it) but whose content they may not read: 403."""
    if not request.user.has_perm("portfolio.read_content", case):
        raise PermissionDenied


def _recording(case: Evaluation, recording_id) -> Recording:
    return get_object_or_404(Recording.objects.select_related("self_evaluation__template"), pk=recording_id,
                             case=case)


def _numbered(case: Evaluation) -> list[Recording]:
    recordings = list(Recording.objects.filter(case=case).select_related("self_evaluation__template"))
    for number, recording in enumerate(recordings, start=1):
        recording.number = number
        evaluation = getattr(recording, "self_evaluation", None)
        recording.evaluation = evaluation
        recording.evaluation_status = (
            "complete" if evaluation and evaluation.completed_at else "draft" if evaluation else "missing"
        )
    return recordings


def _number_of(case: Evaluation, recording: Recording) -> int:
    return next((r.number for r in _numbered(case) if r.pk == recording.pk), 0)


def _locked_reason(request, case: Evaluation) -> str:
    """Why the trainee cannot change the recordings now (empty for readers who never could)."""
    if not is_case_trainee(request.user, case):
        return ""
    if case.material_submitted_at:
        return _("Materialet är inskickat till värderaren. Inspelningarna och egenvärderingarna kan inte längre ändras.")
    return _("Ärendet är avslutat. Inspelningarna kan inte längre ändras.")


def _refuse_write(request, case: Evaluation) -> None:
    if not request.user.has_perm("portfolio.edit", case):
        raise PermissionDenied


def _context(request, case: Evaluation, **extra) -> dict:
    can_edit = request.user.has_perm("portfolio.edit", case)
    return {
        "case": case,
        "can_edit": can_edit,
        "locked_reason": "" if can_edit else _locked_reason(request, case),
        "min_recordings": MIN_RECORDINGS,
        "max_recordings": MAX_RECORDINGS,
        "latest_date": services.latest_recording_date(case),
        **extra,
    }


# --- recordings ----------------------------------------------------------------------------------


@login_required
@unless_purged
def recording_list(request, case):
    _require_readable(request, case)
    recordings = _numbered(case)
    form = None
    status = 200
    if request.method == "POST":
        _refuse_write(request, case)
        form = RecordingForm(request.POST, case=case)
        if form.is_valid():
            try:
                recording = services.recording_create(case=case, by=request.user, **form.values())
            except PortfolioError as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                add_validation_error(form, error)
                status = 400
            else:
                messages.success(request, _(
                    "Inspelning %(n)s är sparad. Fyll i video-egenvärderingen för den."
                ) % {"n": _number_of(case, recording)})
                return redirect("portfolio:recordings", case.pk)
        else:
            status = 400
        recordings = _numbered(case)
    can_edit = request.user.has_perm("portfolio.edit", case)
    full = len(recordings) >= MAX_RECORDINGS
    if form is None and can_edit:
        form = RecordingForm(case=case)
        if full:  # the fifth is refused anyway; the form says so before anything is typed
            for field in form.fields.values():
                field.disabled = True
    context = _context(request, case, recordings=recordings, form=form, full=full)
    if request.method == "GET":
        record_view(request, case, reads.RECORDINGS)
    return render(request, "portfolio/recordings/list.html", context, status=status)


@login_required
@unless_purged
def recording_edit(request, case, recording_id):
    _require_readable(request, case)
    recording = _recording(case, recording_id)
    can_edit = request.user.has_perm("portfolio.edit", case)
    initial = {name: getattr(recording, name) for name in services.RECORDING_FIELDS}
    form = RecordingForm(case=case, initial=initial) if can_edit else None
    status = 200
    if request.method == "POST":
        _refuse_write(request, case)
        form = RecordingForm(request.POST, case=case, initial=initial)
        if form.is_valid():
            try:
                services.recording_update(recording=recording, by=request.user, **form.values())
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, _("Inspelningen är sparad."))
                return redirect("portfolio:recordings", case.pk)
        status = 400
    context = _context(request, case, recording=recording, number=_number_of(case, recording), form=form)
    if request.method == "GET":
        record_view(request, case, reads.RECORDINGS, context["number"])
    return render(request, "portfolio/recordings/edit.html", context, status=status)


@require_POST
@login_required
def recording_delete(request, case_id, recording_id):
    case = visible_case(request, case_id)
    _require_readable(request, case)
    recording = _recording(case, recording_id)
    _refuse_write(request, case)
    services.recording_delete(recording=recording, by=request.user)
    messages.success(request, _("Inspelningen och dess video-egenvärdering är borttagna."))
    return redirect("portfolio:recordings", case.pk)


# --- self-evaluation -----------------------------------------------------------------------------


def _rating_label(question: dict, value) -> str:
    for step in services.question_scale(question):
        if str(step["value"]) == str(value):
            return step["label"]
    return ""


def _shown(question: dict, value) -> str:
    if question.get("kind") == "rating":
        return _rating_label(question, value)
    return str(value or "")


def _read_only_answers(template, evaluation) -> list[dict]:
    answers = evaluation.answers if evaluation else {}
    return [{"question": q, "value": _shown(q, answers.get(q["key"], ""))} for q in template.questions]


@login_required
@unless_purged
def self_evaluation(request, case, recording_id):
    _require_readable(request, case)
    recording = _recording(case, recording_id)
    evaluation = services.self_evaluation_for(recording)
    template = evaluation.template if evaluation else SelfEvaluationTemplate.current()
    can_edit = request.user.has_perm("portfolio.edit", case)
    context = _context(request, case, recording=recording, number=_number_of(case, recording),
                       evaluation=evaluation, template=template, conflicts=[])
    if template is None:
        if request.method == "POST":
            _refuse_write(request, case)
        messages.error(request, _("Formuläret för video-egenvärdering saknas. Kontakta Mitt-i-ST-kansliet."))
        return render(request, "portfolio/recordings/self_evaluation.html", context, status=503)
    if not can_edit:
        context["answers"] = _read_only_answers(template, evaluation)
        if request.method != "POST":
            record_view(request, case, reads.SELF_EVALUATION, context["number"])
            return render(request, "portfolio/recordings/self_evaluation.html", context)
        if not is_case_trainee(request.user, case):
            raise PermissionDenied
        # The material was submitted while the trainee was typing: refuse, but give the text back.
        form = SelfEvaluationForm(request.POST, template=template)
        form.is_valid()
        context.update(form=form, rows=_rows(form))
        return render(request, "portfolio/recordings/self_evaluation.html", context, status=403)

    status = 200
    if request.method == "POST":
        complete = "complete" in request.POST
        form = SelfEvaluationForm(request.POST, template=template, complete=complete)
        if form.is_valid():
            try:
                services.self_evaluation_save(
                    recording=recording, by=request.user, answers=form.answers(),
                    base_version=form.cleaned_data["base_version"], complete=complete,
                )
            except services.SelfEvaluationConflict as conflict:
                return _conflict(request, context, form, conflict.evaluation)
            except PortfolioError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                if complete:
                    messages.success(request, _("Video-egenvärderingen för inspelning %(n)s är klar.")
                                     % {"n": context["number"]})
                    return redirect("portfolio:recordings", case.pk)
                messages.success(request, _("Utkastet är sparat."))
                return redirect(reverse("portfolio:self_evaluation", args=[case.pk, recording.pk]))
        status = 400
    else:
        initial = {"base_version": evaluation.version if evaluation else 0}
        if evaluation:
            initial.update({key: str(value) for key, value in evaluation.answers.items()})
        form = SelfEvaluationForm(template=template, initial=initial)
    context.update(form=form, rows=_rows(form))
    return render(request, "portfolio/recordings/self_evaluation.html", context, status=status)


def _rows(form: SelfEvaluationForm, conflicts: dict | None = None) -> list[dict]:
    conflicts = conflicts or {}
    return [{"field": field, "conflict": conflicts.get(field.name)} for field in form.question_fields()]


def _conflict(request, context, form, current):
    """Someone saved in between: show both texts, keep what was typed, and let the next save win."""
    typed = form.cleaned_data
    conflicts = {}
    for question in current.template.questions:
        key = question["key"]
        saved_value = current.answers.get(key, "")
        typed_value = typed.get(key, "")
        if str(saved_value) != str(typed_value):
            conflicts[key] = {
                "question": question,
                "saved": _shown(question, saved_value),
                "typed": _shown(question, typed_value),
            }
    data = request.POST.copy()
    data["base_version"] = str(current.version)
    rebound = SelfEvaluationForm(data, template=current.template)
    rebound.is_valid()
    context.update(form=rebound, rows=_rows(rebound, conflicts), conflicts=list(conflicts.values()),
                   evaluation=current)
    return render(request, "portfolio/recordings/self_evaluation.html", context, status=409)
