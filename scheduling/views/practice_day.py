"""The practice day page: proposals and confirmation, the agreed day, moving it, and its .ics file.

Trainee and evaluator of the case act here; the coordinator reads it and may move an agreed day.
Someone else's case answers 404 (visible_case), other roles 403.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluations.models import Evaluation
from evaluations.services import CaseStateError
from evaluations.views import visible_case
from mittist.accounts.decorators import role_required
from mittist.accounts.models import Role

from ..calendar import FILENAME, current_ics, day_hours, is_cancelled
from ..forms import DeclineForm, ProposeForm, RescheduleForm
from ..models import CalendarInvite, PracticeDayProposal, Programme
from ..services import practice_day as services

S = Evaluation.State
P = PracticeDayProposal.Status
PAGE_ROLES = (Role.TRAINEE, Role.EVALUATOR, Role.COORDINATOR)
HISTORY_LIMIT = 30


@dataclass
class ProposalRow:
    proposal: PracticeDayProposal
    by_trainee: bool
    warnings: list[str]
    can_confirm: bool
    can_withdraw: bool


def _can_reschedule(case: Evaluation, user) -> bool:
    """Setting a new day directly is the office's; the two sides propose and confirm."""
    return case.state in services.RESCHEDULABLE_STATES and user.has_perm("scheduling.set_practice_day", case)


def _page(request, case: Evaluation, *, propose_form=None, decline_form=None, reschedule_form=None, status=200):
    side = services.side_of(case, request.user)
    agreeing = case.state == S.CONTACT_MADE
    moving = services.is_moving(case)
    proposing = agreeing or moving
    proposals = list(case.practice_day_proposals.select_related("proposed_by", "responded_by"))
    rows = []
    for proposal in proposals:
        if proposal.status != P.OPEN:
            continue
        by_trainee = services.proposal_side(case, proposal) == "trainee"
        own = side is not None and (side == "trainee") == by_trainee
        rows.append(
            ProposalRow(
                proposal,
                by_trainee,
                services.warnings_for(proposal.day),
                can_confirm=proposing and side is not None and not own,
                can_withdraw=proposing and own,
            )
        )
    history = sorted((p for p in proposals if p.status != P.OPEN), key=lambda p: p.proposed_at, reverse=True)
    others_open = any(r.can_confirm for r in rows)
    if proposing and side is not None:
        propose_form = propose_form or ProposeForm(case=case, prefix="propose")
        decline_form = (decline_form or DeclineForm(prefix="decline")) if others_open else None
    else:
        propose_form = decline_form = None
    if _can_reschedule(case, request.user):
        reschedule_form = reschedule_form or RescheduleForm(case=case, prefix="reschedule")
    else:
        reschedule_form = None
    invite = CalendarInvite.objects.filter(case=case).first()
    start, end = day_hours(case) if case.practice_day else (None, None)
    context = {
        "case": case,
        "side": side,
        "agreeing": agreeing,
        "moving": moving,
        "proposing": proposing,
        "open_rows": rows,
        "others_open": others_open,
        "history": history[:HISTORY_LIMIT],
        "propose_form": propose_form,
        "decline_form": decline_form,
        "reschedule_form": reschedule_form,
        "start": start,
        "end": end,
        "has_programme": Programme.objects.filter(case=case, items__isnull=False).exists(),
        "cancelled": is_cancelled(case, invite),
        "day_warnings": services.warnings_for(case.practice_day) if case.practice_day else [],
    }
    return render(request, "scheduling/practice_day/page.html", context, status=status)


@role_required(*PAGE_ROLES)
@require_GET
def practice_day(request, case_id):
    return _page(request, visible_case(request, case_id))


def _back(case):
    return redirect("scheduling:practice_day", case.pk)


@role_required(Role.TRAINEE, Role.EVALUATOR)
@require_POST
def propose(request, case_id):
    case = visible_case(request, case_id)
    form = ProposeForm(request.POST, case=case, prefix="propose")
    if not form.is_valid():
        return _page(request, case, propose_form=form, status=400)
    if form.needs_confirmation:
        # Valid, but a weekend or a public holiday: shown at the field, proposed only when confirmed.
        return _page(request, case, propose_form=form)
    try:
        created = services.practice_day_propose(
            case=case, by=request.user, days=form.days, note=form.cleaned_data["note"]
        )
    except CaseStateError as error:
        messages.error(request, str(error))
        return _back(case)
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, case, propose_form=form, status=400)
    trainee_side = services.side_of(case, request.user) == "trainee"
    if services.is_moving(case):
        text = (_("Förslaget att flytta praktikdagen är skickat till värderaren, som får e-post. Dagen flyttas "
                  "när värderaren bekräftar.") if trainee_side else
                _("Förslaget att flytta praktikdagen är skickat till ST-läkaren, som får e-post. Dagen flyttas "
                  "när ST-läkaren bekräftar."))
    elif trainee_side:
        text = _("Förslaget är skickat till värderaren, som får e-post.")
    else:
        text = _("Förslaget är skickat till ST-läkaren, som får e-post.")
    messages.success(request, f"{text} ({', '.join(services.long_day(p.day) for p in created)})")
    return _back(case)


@role_required(Role.TRAINEE, Role.EVALUATOR)
@require_POST
def decline(request, case_id):
    case = visible_case(request, case_id)
    form = DeclineForm(request.POST, prefix="decline")
    if not form.is_valid():
        return _page(request, case, decline_form=form, status=400)
    try:
        services.practice_day_decline(case=case, by=request.user, note=form.cleaned_data["note"])
    except CaseStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Svaret är skickat. Föreslå gärna andra datum nedan."))
    return _back(case)


@role_required(Role.TRAINEE, Role.EVALUATOR)
@require_POST
def confirm(request, case_id, proposal_id):
    case = visible_case(request, case_id)
    proposal = get_object_or_404(case.practice_day_proposals, pk=proposal_id)
    moving = services.is_moving(case)
    try:
        case = services.practice_day_confirm(proposal=proposal, by=request.user)
    except CaseStateError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if moving:
            messages.success(
                request,
                _("Praktikdagen är flyttad till %(day)s. Ni får båda en uppdaterad kalenderinbjudan, och "
                  "Mitt-i-ST-kansliet har fått besked.") % {"day": services.long_day(case.practice_day)},
            )
            return _back(case)
        messages.success(
            request,
            _("Praktikdagen är bestämd till %(day)s. Ni får båda en kalenderinbjudan, och Mitt-i-ST-kansliet har fått besked.")
            % {"day": services.long_day(case.practice_day)},
        )
    return _back(case)


@role_required(Role.TRAINEE, Role.EVALUATOR)
@require_POST
def withdraw(request, case_id, proposal_id):
    case = visible_case(request, case_id)
    proposal = get_object_or_404(case.practice_day_proposals, pk=proposal_id)
    try:
        services.practice_day_withdraw_proposal(proposal=proposal, by=request.user)
    except CaseStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Förslaget %(day)s är taget tillbaka.") % {"day": services.long_day(proposal.day)})
    return _back(case)


@role_required(Role.COORDINATOR)
@require_POST
def reschedule(request, case_id):
    case = visible_case(request, case_id)
    form = RescheduleForm(request.POST, case=case, prefix="reschedule")
    if not form.is_valid():
        return _page(request, case, reschedule_form=form, status=400)
    if form.needs_confirmation:
        return _page(request, case, reschedule_form=form)
    try:
        case = services.practice_day_reschedule(
            case=case, by=request.user, day=form.cleaned_data["day"], reason=form.cleaned_data["reason"]
        )
    except CaseStateError as error:
        messages.error(request, str(error))
        return _back(case)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, case, reschedule_form=form, status=400)
    messages.success(
        request,
        _("Praktikdagen är flyttad till %(day)s. ST-läkaren, värderaren och Mitt-i-ST-kansliet får e-post med skälet.")
        % {"day": services.long_day(case.practice_day)},
    )
    return _back(case)


@role_required(*PAGE_ROLES)
@require_GET
def practice_day_ics(request, case_id):
    case = visible_case(request, case_id)
    if case.practice_day is None:
        raise Http404
    content = current_ics(case, language=request.LANGUAGE_CODE)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    response["Cache-Control"] = "private, no-store"
    return response
