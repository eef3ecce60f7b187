"""Progress over time: the yearly counts and a chart per rated item, two forms side by side, and the PDF.

A trainee sees their own progress; a coordinator any doctor's (another role: 403, an unknown doctor:
404). The charts are inline SVG drawn from coordinates computed here, with a table of the same values
below them, so the page needs no JavaScript. Forms are found through `visible_to`: a form the user
may not open answers 404, whichever page asks for it.
"""

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from mittist import pdf as shared_pdf
from mittist.accounts.models import Role
from mittist.accounts.rules import is_trainee

from ..charts import build_chart
from ..forms import ProgressFilter
from ..models import MiniCex, Programme
from ..selectors import RATED_STATES, chart_series, default_kind, rated_forms, yearly_counts

# The compare page's pickers list at most this many forms, newest first.
PICKER_LIMIT = 200


def _progress_context(request, trainee) -> dict:
    kind = default_kind(trainee)
    filters = ProgressFilter(request.GET or None, initial={"kind": kind})
    date_from = date_to = None
    if filters.is_bound:
        # A bad date is shown at its field; the fields that are valid still apply.
        filters.is_valid()
        kind = filters.cleaned_data.get("kind") or kind
        date_from, date_to = filters.cleaned_data.get("date_from"), filters.cleaned_data.get("date_to")
    forms_ = list(rated_forms(trainee, kind=kind, date_from=date_from, date_to=date_to))
    series = chart_series(forms_)
    return {
        "trainee": trainee,
        "kind": kind,
        "kind_label": Programme(kind).label,
        "filters": filters,
        "filtered": bool(date_from or date_to),
        "counts": yearly_counts(trainee),
        "forms": forms_,
        "charts": [build_chart(s) for s in series],
        "scale": forms_[-1].definition.scale if forms_ else [],
        "not_observed_label": forms_[-1].definition.not_observed_label if forms_ else "",
        "table_rows": [
            {"form": form, "cells": [{**s["points"][i], "item_label": s["label"]} for s in series]} for i, form in enumerate(forms_)
        ],
    }


@login_required
@require_GET
def progress(request):
    if not is_trainee(request.user):
        raise PermissionDenied
    context = _progress_context(request, request.user)
    return render(request, "minicex/progress.html", {**context, "own": True})


@login_required
@require_GET
def trainee_progress(request, user_id):
    if not request.user.has_perm("minicex.manage_training"):
        raise PermissionDenied
    trainee = get_object_or_404(get_user_model(), pk=user_id, role=Role.TRAINEE)
    context = _progress_context(request, trainee)
    return render(request, "minicex/progress.html", {**context, "own": False})


# --- two forms side by side ----------------------------------------------------------------------


def _form_id(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _picker_forms(user, around: MiniCex | None, trainee_id):
    """The forms offered in the pickers: the same doctor's rated forms, when we know which doctor."""
    forms_ = MiniCex.objects.visible_to(user).filter(state__in=RATED_STATES).select_related("definition", "trainee")
    if around is not None:
        forms_ = forms_.filter(trainee_id=around.trainee_id)
    elif trainee_id is not None:
        forms_ = forms_.filter(trainee_id=trainee_id)
    elif not is_trainee(user):
        # A coordinator sees every doctor's forms: start from one doctor's progress page instead.
        return MiniCex.objects.none()
    return forms_.order_by("-performed_on", "-created_at")[:PICKER_LIMIT]


def _rating_cell(row: dict | None) -> dict:
    """{number, text}: number is the level (None for "Inte observerat" or no rating)."""
    if not row or row["value"] is None:
        return {"number": None, "text": "–"}
    number = row["value"] if isinstance(row["value"], int) else None
    return {"number": number, "text": row["value_label"]}


def _summary_rows(a: MiniCex, b: MiniCex) -> list[dict]:
    """Item | A | B for the five rated items, then the difficulty."""
    b_rows = {row["key"]: row for row in b.rating_rows()}
    rows = [
        {"label": row["label"], "a": _rating_cell(row), "b": _rating_cell(b_rows.get(row["key"]))}
        for row in a.rating_rows()
    ]
    rows.append(
        {
            "label": a.definition.difficulty_label,
            "a": {"number": None, "text": a.definition.difficulty_text(a.difficulty) or "–"},
            "b": {"number": None, "text": b.definition.difficulty_text(b.difficulty) or "–"},
        }
    )
    return rows


@login_required
@require_GET
def compare(request):
    visible = MiniCex.objects.visible_to(request.user).select_related("definition", "trainee")
    a_id, b_id = _form_id(request.GET.get("a")), _form_id(request.GET.get("b"))
    a = get_object_or_404(visible, pk=a_id) if a_id else None
    b = get_object_or_404(visible, pk=b_id) if b_id else None
    context = {
        "a": a,
        "b": b,
        "picker": _picker_forms(request.user, a or b, _form_id(request.GET.get("trainee"))),
        "bad_input": bool((request.GET.get("a") and not a_id) or (request.GET.get("b") and not b_id)),
    }
    if a and b:
        context["rows"] = _summary_rows(a, b)
    return render(request, "minicex/compare.html", context)


# --- PDF -----------------------------------------------------------------------------------------


def pdf_filename(form: MiniCex) -> str:
    return shared_pdf.pdf_filename(f"mini-cex-{form.performed_on:%Y-%m-%d}", form.trainee.full_name, "form")


def render_form_pdf(form: MiniCex) -> bytes:
    return shared_pdf.render_pdf("minicex/pdf.html", {"form": form, "today": timezone.localdate()})


@login_required
@require_GET
def form_pdf(request, form_id):
    form = get_object_or_404(MiniCex.objects.visible_to(request.user).select_related("definition", "trainee"), pk=form_id)
    if form.state not in RATED_STATES:
        # Until the assessor has submitted, there is no filled-in form to print.
        raise Http404
    return shared_pdf.pdf_response(render_form_pdf(form), pdf_filename(form))
