"""The certificate's pages: the trainee's (and the office's) download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from evaluations.views import visible_case
from mittist.pdf import pdf_filename

from .pdf import render_certificate_pdf
from .rules import certificate_of


@login_required
def download(request, case_id):
    case = visible_case(request, case_id)
    certificate = certificate_of(case)
    if certificate is None:
        raise Http404
    if not request.user.has_perm("certificates.download", case):
        raise PermissionDenied
    response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename("intyg-mitt-i-st", certificate.trainee_name, "intyg")}"'
    response["Cache-Control"] = "no-store, private"
    return response
