"""After the purge: the trainee's download of the material, and what every portfolio page says once it is gone.

The download (trainee only, audited) is what the purge notice promises: the material as one PDF and the
documents as uploaded, in one ZIP. Once the material is purged every portfolio page of the case answers
410 with the day it went, instead of showing empty forms (or quietly making new empty sections).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from evaluations.models import Evaluation
from evaluations.views import visible_case

from ..purge import material_zip, record_download, zip_filename


def material_gone(request, case: Evaluation):
    response = render(request, "portfolio/purged.html", {"case": case}, status=410)
    response["Cache-Control"] = "no-store, private"
    return response


def unless_purged(view):
    """Put under @login_required on views of a case's material: the view gets the case the user may see
    (someone else's: 404) instead of its id, read once for both; once purged, the page says so instead."""

    @wraps(view)
    def wrapped(request, case_id, *args, **kwargs):
        case = visible_case(request, case_id)
        if case.material_purged_at is not None:
            return material_gone(request, case)
        return view(request, case, *args, **kwargs)

    return wrapped


@login_required
@require_http_methods(["GET"])
@unless_purged
def material_download(request, case):
    if not request.user.has_perm("portfolio.download_material", case):
        raise PermissionDenied
    archive = material_zip(case)
    record_download(case, request.user)
    response = FileResponse(archive, as_attachment=True, filename=zip_filename(case), content_type="application/zip")
    response["Cache-Control"] = "no-store, private"
    return response
