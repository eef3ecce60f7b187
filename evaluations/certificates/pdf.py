"""The certificate as a PDF, rendered from its row whenever it is downloaded.

The QR code is drawn here (segno) and embedded as an SVG data: URI: the PDF renderer fetches nothing else.
It holds the address of the public verification page with the certificate's code.
"""

import re

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from mittist.pdf import render_pdf

QR_ERROR_LEVEL = "m"  # survives a crease or a smudge on paper; the address is short enough to stay small


def certificate_qr(certificate) -> segno.QRCode:
    return segno.make(certificate.verification_url, error=QR_ERROR_LEVEL, micro=False)


def qr_data_uri(qr: segno.QRCode) -> str:
    # No size in the SVG: the stylesheet decides how large it is printed. Dark on white, with the quiet zone.
    return qr.svg_data_uri(omitsize=True, border=4, dark="#0b2b27", light="#ffffff")


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[-1]


def short_name(issuer: str) -> str:
    """The seal's short form: "Svensk förening för allmänmedicin (SFAM)" gives "SFAM"; a name without one, nothing."""
    match = re.search(r"\(([^()]{1,8})\)\s*$", issuer)
    return match.group(1) if match else ""


def _name_class(length: int) -> str:
    for limit, name in ((90, "name-longest"), (48, "name-longer"), (28, "name-long")):
        if length > limit:
            return name
    return ""


def certificate_context(certificate) -> dict:
    issuer = settings.MITTIST_CERTIFICATE_ISSUER
    return {
        "certificate": certificate,
        "issuer": issuer,
        "issuer_short": short_name(issuer),
        "issued_on": certificate.issued_on,
        # A long name is set smaller, so that it stays on two lines and the page keeps its shape.
        "name_class": _name_class(len(certificate.trainee_name)),
        "qr_uri": qr_data_uri(certificate_qr(certificate)),
        "verification_url": certificate.verification_url,
        # Printed for someone who types it in rather than scans the code.
        "verify_page": _without_scheme(settings.SITE_URL + reverse("certificates:verify")),
    }


def render_certificate_pdf(certificate) -> bytes:
    with translation.override(certificate.case.trainee.language or "sv"):
        return render_pdf("certificates/pdf/certificate.html", certificate_context(certificate))
