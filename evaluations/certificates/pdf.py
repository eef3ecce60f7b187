"""The certificate as a PDF, rendered from its row whenever it is downloaded."""

from django.conf import settings
from django.utils import timezone, translation

from mittist.pdf import render_pdf


def render_certificate_pdf(certificate) -> bytes:
    with translation.override(certificate.case.trainee.language or "sv"):
        return render_pdf("certificates/pdf/certificate.html", {
            "certificate": certificate,
            "issuer": settings.MITTIST_CERTIFICATE_ISSUER,
            "issued_on": timezone.localdate(certificate.issued_at),
            "site_url": settings.SITE_URL,
        })
