"""The certificate's part of the trainee's own data (evaluations/personal_data.py runs these).

Export: the certificate's facts and, while valid, its PDF. Erasure: the certificate goes (it names the trainee);
its code then answers "not found" on the public check, and the case keeps only the date it was issued.
"""

from django.utils.translation import gettext_lazy as _

from evaluations.extensions import ExportPart
from evaluations.readlog import register_read_kind
from mittist.pdf import pdf_filename

from .models import Certificate
from .pdf import render_certificate_pdf

CERTIFICATE_READ = "certificate"


def register_read_kinds() -> None:
    register_read_kind(CERTIFICATE_READ, _("Intyget som PDF"))


def _iso(value):
    return value.isoformat() if value else None


def export(person, cases) -> ExportPart | None:
    data, files = [], []
    for certificate in Certificate.objects.filter(case__in=cases).select_related("case__trainee"):
        data.append({
            "case": str(certificate.case_id),
            "code": certificate.code,
            "name": certificate.trainee_name,
            "evaluator": certificate.evaluator_name,
            "practice_day": _iso(certificate.practice_day),
            "issued_at": _iso(certificate.issued_at),
            "revoked_at": _iso(certificate.revoked_at),
            "revoked_reason": certificate.revoked_reason,
            "verification_url": certificate.verification_url,
        })
        if certificate.is_valid:
            name = pdf_filename("intyg-mitt-i-st", certificate.trainee_name, "intyg")
            files.append((f"intyg-{certificate.issued_at:%Y}/{name}",
                          lambda certificate=certificate: render_certificate_pdf(certificate)))
    return ExportPart(data, files) if data else None


def erase(person, cases) -> list[str]:
    Certificate.objects.filter(case__in=cases).delete()
    return []  # made on request, never stored
