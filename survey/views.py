"""The survey's pages: the trainee answers (once, for their own certified case) and is thanked; the quality
group reads the answers of a year together and exports them.

Someone else's case answers 404 (evaluations.views.visible_case); a person who may see the case but is
not its trainee gets 403; the trainee of a case whose survey is not open is told why and sent on.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from evaluations.services import CaseStateError
from evaluations.views import visible_case
from mittist.csv import csv_response
from mittist.forms import add_validation_error

from . import selectors, services
from .charts import build_chart
from .forms import SurveyForm, YearForm
from .models import SurveyDefinition


def _no_store(response):
    # Answers typed on a shared computer should not come back from its cache.
    response["Cache-Control"] = "no-store, private"
    return response


def _not_open(request, case):
    if request.user.has_perm("survey.see_thanks", case):
        messages.info(request, _("Du har redan svarat på utvärderingen. Tack!"))
        return redirect("survey:thanks", case.pk)
    if case.is_ended:
        messages.info(request, _("Ärendet är avslutat och utvärderingen är stängd."))
    else:
        messages.info(request, _("Utvärderingen öppnar när ditt intyg är utfärdat."))
    return redirect(case)


def _definition(request) -> SurveyDefinition | None:
    """The version the form was shown with (a version made meanwhile does not change the questions
    the trainee answered); otherwise, and on a first visit, the current one."""
    posted = request.POST.get("version", "")
    if posted.isdigit():
        shown = SurveyDefinition.objects.filter(version=int(posted)).first()
        if shown is not None:
            return shown
    return SurveyDefinition.current()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("survey.take_part", case):
        raise PermissionDenied
    if not request.user.has_perm("survey.answer", case):
        return _not_open(request, case)
    definition = _definition(request)
    if definition is None:
        messages.error(request, _("Enkäten är inte i gång just nu. Kontakta Mitt-i-ST-kansliet."))
        return redirect(case)
    form = SurveyForm(definition, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_submit(case=case, by=request.user, answers=form.answers, definition=definition)
        except CaseStateError as error:
            messages.info(request, str(error))
            case.refresh_from_db()
            return _not_open(request, case)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            return redirect("survey:thanks", case.pk)
    context = {"case": case, "form": form, "definition": definition, "topics": form.topics(),
               "draft_key": f"mittist:survey:{case.pk}", "min_group": settings.MITTIST_SURVEY_MIN_GROUP}
    return _no_store(render(request, "survey/answer.html", context, status=400 if form.errors else 200))


@login_required
def thanks(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("survey.take_part", case):
        raise PermissionDenied
    if not request.user.has_perm("survey.see_thanks", case):
        return redirect("survey:answer", case.pk)
    keep_days = settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END
    closed_on = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    context = {
        "case": case,
        "keep_days": keep_days,
        "notice_days": settings.MITTIST_PURGE_NOTICE_DAYS,
        "purge_on": closed_on + timedelta(days=keep_days),
        "material_purged": case.material_purged_at is not None,
        "can_download_certificate": request.user.has_perm("certificates.download", case),
        "can_read_report": request.user.has_perm("reports.read", case),
        "draft_key": f"mittist:survey:{case.pk}",
    }
    return _no_store(render(request, "survey/thanks.html", context))


# --- the quality group --------------------------------------------------------------------------------


def _year(request, years: list[int]) -> tuple[YearForm, int]:
    """The year asked for if it has answers; else the newest that has (or this year, before any)."""
    form = YearForm(years, request.GET or None)
    if form.is_valid() and form.cleaned_data.get("ar"):
        return form, form.cleaned_data["ar"]
    year = years[0] if years else timezone.localdate().year
    return YearForm(years, initial={"ar": year}), year


@login_required
def results(request):
    if not request.user.has_perm("survey.view_results"):
        raise PermissionDenied
    years = selectors.answer_years()
    form, year = _year(request, years)
    data = selectors.year_results(year)
    context = {
        "year_form": form,
        "year": year,
        "years": years,
        "results": data,
        "charts": [build_chart(scale) for scale in data.scales],
        "min_group": settings.MITTIST_SURVEY_MIN_GROUP,
    }
    return _no_store(render(request, "survey/results.html", context))


@login_required
def results_csv(request):
    if not request.user.has_perm("survey.view_results"):
        raise PermissionDenied
    _form, year = _year(request, selectors.answer_years())
    return _no_store(csv_response(selectors.csv_rows(year), f"mitt-i-st-utvardering-{year}.csv"))
