"""The trainee's page "Mina uppgifter" (download everything, ask for erasure) and the office's erasure.

The download is the trainee's own, with no id in the address: nobody can ask for another person's. The
erasure is the office's step on the case page, refused (with the reason) while any case of the person runs.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mittist.accounts.decorators import role_required
from mittist.accounts.models import Role

from . import personal_data
from .extensions import registry
from .services import CaseStateError
from .views import visible_case


def _no_store(response):
    response["Cache-Control"] = "no-store, private"
    return response


@role_required(Role.TRAINEE)
@require_http_methods(["GET", "HEAD"])
def my_data(request):
    cases = list(personal_data.cases_of(request.user))
    context = {
        "cases": cases,
        "parts": [str(e.label) for e in registry.data_exporters],
        "requestable": [c for c in cases if request.user.has_perm("evaluations.request_erasure", c)],
        "requested": [c for c in cases if c.erasure_requested_at],
    }
    return _no_store(render(request, "evaluations/personal_data/my_data.html", context))


@role_required(Role.TRAINEE)
@require_http_methods(["GET"])
def my_data_export(request):
    if not request.user.has_perm("evaluations.export_own_data"):
        raise PermissionDenied
    data, files = personal_data.collect_export(request.user)
    personal_data.record_export(person=request.user, by=request.user)
    response = StreamingHttpResponse(personal_data.stream_zip(data, files), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{personal_data.export_filename(request.user)}"'
    return _no_store(response)


@require_POST
@login_required
def request_erasure(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("evaluations.request_erasure", case):
        raise PermissionDenied
    personal_data.erasure_request(case=case, by=request.user)
    messages.success(request, _("Din begäran om radering är skickad till Mitt-i-ST-kansliet. Du får e-post när "
                                "uppgifterna är raderade."))
    return redirect("evaluations:my_data")


@require_POST
@login_required
def erase(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("evaluations.manage_case", case):
        raise PermissionDenied
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Kryssa i att du vill radera personuppgifterna. Ingenting är raderat."))
        return redirect(case.get_absolute_url() + "#radering")
    try:
        personal_data.personal_data_erase(case=case, by=request.user)
    except (CaseStateError, PermissionDenied) as error:
        message = str(error) or personal_data.erasure_blocker(case) or _("Ärendet kan inte raderas ännu.")
        messages.error(request, message)
    else:
        messages.success(request, _("Personuppgifterna är raderade. Ärendet finns kvar anonymt i statistiken."))
    return redirect(case.get_absolute_url())
