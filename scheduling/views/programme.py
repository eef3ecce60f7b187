"""The practice day's programme: one page to build it, a page per item to change it, print and PDF.

The case's trainee and evaluator edit; the coordinator reads; the quality group gets 403; anyone else
404 (visible_case). Every form carries the version the page was loaded from: an edit made from an
older version is refused with 409, the programme as it is now, and the user's input kept.
Plain POST-redirect-GET, so the checklist is recomputed after every change, with or without JS.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.models import Evaluation
from evaluations.services import CaseStateError
from evaluations.views import visible_case
from mittist import pdf as shared_pdf

from ..forms import ProgrammeItemForm, VersionForm
from ..models import Programme, ProgrammeItem
from ..services.minicex import (
    BeforePracticeDay,
    NotSittingIn,
    can_start_minicex,
    is_evaluators_programme,
    programme_item_start_minicex,
)
from ..services.programme import (
    ProgrammeNotEmpty,
    StaleProgramme,
    can_edit_programme,
    can_read_programme,
    describe,
    duration,
    format_duration,
    overlapping,
    patient_summary,
    programme_add_item,
    programme_changes_since,
    programme_checklist,
    programme_fill_suggestion,
    programme_is_available,
    programme_is_editable,
    programme_items,
    programme_remove_item,
    programme_update_item,
    working_time,
)

S = Evaluation.State


# --- helpers -------------------------------------------------------------------------------------------


def _case(request, case_id) -> Evaluation:
    """Someone else's case: 404. A case the user sees but whose programme is not theirs to read: 403."""
    case = visible_case(request, case_id)
    if not can_read_programme(request.user, case):
        raise PermissionDenied
    return case


def _may_edit(request, case: Evaluation) -> bool:
    return can_edit_programme(request.user, case) and programme_is_editable(case)


def _programme(case: Evaluation) -> Programme:
    """For reading: the saved programme, or an empty one that is not written until someone edits."""
    return Programme.objects.filter(case=case).select_related("updated_by").first() or Programme(case=case)


def _items(request, case: Evaluation, programme: Programme) -> list[ProgrammeItem]:
    items = programme_items(programme) if programme.pk else []
    if not can_edit_programme(request.user, case):
        # The office follows the day's shape; the notes (about patients, between the two parties) are not its.
        for item in items:
            item.note = ""
    return items


def _annotate(items: list[ProgrammeItem]) -> list[ProgrammeItem]:
    for item in items:
        item.overlaps = overlapping(items, item.start, item.end, exclude=item.pk)
        item.length = format_duration(duration(item))
        item.patient = patient_summary(item)
    return items


def _summary(items: list[ProgrammeItem]) -> dict:
    checklist = programme_checklist(items)
    return {
        "items": _annotate(items),
        "checklist": checklist,
        "checks_met": sum(1 for c in checklist if c.ok),
        "working_time": format_duration(working_time(items)),
        "day_starts": min((i.start for i in items), default=None),
        "day_ends": max((i.end for i in items), default=None),
    }


def _not_available(request, case: Evaluation):
    return render(request, "scheduling/programme/not_available.html", {"case": case})


def _conflict(case: Evaluation, stale: StaleProgramme, seen_version: int, **extra) -> dict:
    return {
        "programme": stale.programme,
        "items": _annotate(stale.items),
        "changes": programme_changes_since(case, seen_version, stale.programme.version),
        **extra,
    }


def _next_start(items: list[ProgrammeItem]):
    return max((i.end for i in items), default=None)


def _minicex_from_the_day(case: Evaluation) -> str:
    return _("Mini-CEX för medsittningarna startar du här från och med praktikdagen, %(day)s.") % {
        "day": date_format(case.practice_day, "j F Y")}


def _page(request, case: Evaluation, *, form=None, conflict=None, status=200):
    programme = _programme(case)
    items = _items(request, case, programme)
    can_edit = _may_edit(request, case)
    if can_edit and form is None:
        start = _next_start(items)
        form = ProgrammeItemForm(initial={"version": programme.version, **({"start": start} if start else {})})
    context = {
        "case": case,
        "programme": programme,
        "can_edit": can_edit,
        "is_party": can_edit_programme(request.user, case),
        "form": form if can_edit else None,
        "version_form": VersionForm(initial={"version": programme.version}, auto_id=False),  # one per row
        "conflict": conflict,
        "minicex_buttons": can_start_minicex(request.user, case),
        # The evaluator sees why there are no mini-CEX buttons yet.
        "minicex_from": (_minicex_from_the_day(case) if case.practice_day and not case.practice_day_has_come()
                         and is_evaluators_programme(request.user, case) else ""),
        **_summary(items),
    }
    response = render(request, "scheduling/programme/page.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _refuse_unless_editable(request, case: Evaluation):
    """403 before there is a programme or for the coordinator; a message when the case has moved on."""
    if not programme_is_available(case) or not can_edit_programme(request.user, case):
        raise PermissionDenied
    if not programme_is_editable(case):
        messages.error(request, _("Programmet kan inte ändras i detta skede av ärendet."))
        return redirect("scheduling:programme", case.pk)
    return None


def _posted_version(request, case: Evaluation):
    """The programme version the posted page was read at, or the response that refuses the post (not editable,
    or a page too old to say)."""
    refused = _refuse_unless_editable(request, case)
    if refused:
        return None, refused
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Sidan var inaktuell. Ladda om den och försök igen."))
        return None, redirect("scheduling:programme", case.pk)
    return form.cleaned_data["version"], None


def _warn_overlaps(request, item: ProgrammeItem) -> None:
    items = programme_items(item.programme)
    clashes = overlapping(items, item.start, item.end, exclude=item.pk)
    if clashes:
        messages.warning(request, _("Obs: %(item)s överlappar med %(others)s. Det går bra om det är meningen.") % {
            "item": describe(item), "others": ", ".join(describe(other) for other in clashes),
        })


# --- the programme page ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def programme(request, case_id):
    """GET: the programme and its checklist. POST: add an item."""
    case = _case(request, case_id)
    if not programme_is_available(case):
        if request.method == "POST":
            raise PermissionDenied
        return _not_available(request, case)
    if request.method == "GET":
        return _page(request, case)
    refused = _refuse_unless_editable(request, case)
    if refused:
        return refused
    form = ProgrammeItemForm(request.POST)
    if not form.is_valid():
        return _page(request, case, form=form, status=400)
    try:
        item = programme_add_item(case=case, by=request.user, version=form.cleaned_data["version"], **form.values())
    except StaleProgramme as stale:
        kept = ProgrammeItemForm(initial={**form.cleaned_data, "version": stale.programme.version})
        conflict = _conflict(case, stale, form.cleaned_data["version"], unsaved="add")
        return _page(request, case, form=kept, conflict=conflict, status=409)
    except CaseStateError as error:
        messages.error(request, str(error))
        return redirect("scheduling:programme", case.pk)
    messages.success(request, _("Tillagt: %(item)s.") % {"item": describe(item)})
    _warn_overlaps(request, item)
    return redirect("scheduling:programme", case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def programme_item(request, case_id, item_id):
    """Change one item."""
    case = _case(request, case_id)
    refused = _refuse_unless_editable(request, case)
    if refused:
        return refused
    programme = _programme(case)
    item = ProgrammeItem.objects.filter(pk=item_id, programme__case=case).first()
    if request.method == "GET":
        if item is None:
            messages.info(request, _("Momentet finns inte längre i programmet."))
            return redirect("scheduling:programme", case.pk)
        return _item_page(request, case, item, ProgrammeItemForm.for_item(item, programme.version))
    form = ProgrammeItemForm(request.POST)
    if not form.is_valid():
        if item is None:
            return _page(request, case, form=form, status=400)
        return _item_page(request, case, item, form, status=400)
    try:
        updated = programme_update_item(
            case=case, by=request.user, item_id=item_id, version=form.cleaned_data["version"], **form.values()
        )
    except StaleProgramme as stale:
        kept = ProgrammeItemForm(initial={**form.cleaned_data, "version": stale.programme.version})
        current = next((i for i in stale.items if i.pk == item_id), None)
        seen = form.cleaned_data["version"]
        if current is None:
            # Removed by the other party meanwhile: offer the input as a new item instead.
            conflict = _conflict(case, stale, seen, unsaved="removed")
            return _page(request, case, form=kept, conflict=conflict, status=409)
        conflict = _conflict(case, stale, seen, unsaved="edit", current=current)
        return _item_page(request, case, current, kept, conflict=conflict, status=409)
    except ProgrammeItem.DoesNotExist:
        messages.info(request, _("Momentet finns inte längre i programmet."))
        return redirect("scheduling:programme", case.pk)
    except CaseStateError as error:
        messages.error(request, str(error))
        return redirect("scheduling:programme", case.pk)
    messages.success(request, _("Sparat: %(item)s.") % {"item": describe(updated)})
    _warn_overlaps(request, updated)
    return redirect("scheduling:programme", case.pk)


def _item_page(request, case, item, form, *, conflict=None, status=200):
    context = {"case": case, "item": item, "form": form, "conflict": conflict}
    response = render(request, "scheduling/programme/item.html", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def programme_item_remove(request, case_id, item_id):
    case = _case(request, case_id)
    version, refused = _posted_version(request, case)
    if refused:
        return refused
    try:
        removed = programme_remove_item(case=case, by=request.user, item_id=item_id, version=version)
    except StaleProgramme as stale:
        gone = not any(i.pk == item_id for i in stale.items)
        conflict = _conflict(case, stale, version, unsaved="remove_gone" if gone else "remove")
        return _page(request, case, conflict=conflict, status=409)
    except ProgrammeItem.DoesNotExist:
        messages.info(request, _("Momentet var redan borttaget."))
    except CaseStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Borttaget: %(item)s.") % {"item": describe(removed)})
    return redirect("scheduling:programme", case.pk)


@login_required
@require_POST
def programme_fill(request, case_id):
    """Fill SFAM's suggested day into an empty programme."""
    case = _case(request, case_id)
    version, refused = _posted_version(request, case)
    if refused:
        return refused
    try:
        items = programme_fill_suggestion(case=case, by=request.user, version=version)
    except StaleProgramme as stale:
        conflict = _conflict(case, stale, version, unsaved="fill")
        return _page(request, case, conflict=conflict, status=409)
    except (ProgrammeNotEmpty, CaseStateError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _(
            "Förslaget till dagsprogram är ifyllt med %(n)s moment. Ändra tider och patienter så att de passar er dag."
        ) % {"n": len(items)})
    return redirect("scheduling:programme", case.pk)


@login_required
@require_POST
def start_minicex(request, case_id, item_id):
    """The evaluator's mini-CEX of one sitting-in patient: started on the first tap, continued on the next."""
    case = _case(request, case_id)
    try:
        form = programme_item_start_minicex(case=case, by=request.user, item_id=item_id)
    except ProgrammeItem.DoesNotExist:
        messages.info(request, _("Momentet finns inte längre i programmet."))
        return redirect("scheduling:programme", case.pk)
    except NotSittingIn:
        messages.error(request, _("Mini-CEX görs på medsittningar med patient."))
        return redirect("scheduling:programme", case.pk)
    except BeforePracticeDay:
        messages.info(request, _minicex_from_the_day(case))
        return redirect("scheduling:programme", case.pk)
    if form.state != form.S.AWAITING_ASSESSOR:
        return redirect("minicex:detail", form.pk)
    return redirect("minicex:assess", form.pk)


# --- print and PDF ---------------------------------------------------------------------------------------


def pdf_filename(case: Evaluation) -> str:
    return shared_pdf.pdf_filename("program-praktikdag", case.trainee.full_name, "mitt-i-st")


def render_programme_pdf(case: Evaluation, programme: Programme, summary: dict, *, today) -> bytes:
    context = {"case": case, "programme": programme, "today": today, **summary}
    return shared_pdf.render_pdf("scheduling/programme/pdf.html", context)


@login_required
@require_http_methods(["GET"])
def programme_print(request, case_id):
    case = _case(request, case_id)
    if not programme_is_available(case):
        return _not_available(request, case)
    programme = _programme(case)
    context = {"case": case, "programme": programme, **_summary(_items(request, case, programme))}
    response = render(request, "scheduling/programme/print.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET"])
def programme_pdf(request, case_id):
    case = _case(request, case_id)
    if not programme_is_available(case):
        return _not_available(request, case)
    programme = _programme(case)
    pdf = render_programme_pdf(case, programme, _summary(_items(request, case, programme)), today=timezone.localdate())
    return shared_pdf.pdf_response(pdf, pdf_filename(case))
