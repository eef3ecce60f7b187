"""The delivered report as a PDF (WeasyPrint). Rendered once, at delivery: the trainee's copy, the one the
quality group reads and the one whose SHA-256 stays after the purge are the same bytes."""

from django.conf import settings
from django.utils import timezone, translation

from mittist.pdf import render_pdf

from .forms import report_parts


def render_report_pdf(report) -> bytes:
    case = report.case
    # The trainee's language: the report is theirs. The section texts are the template's own.
    with translation.override(case.trainee.language or "sv"):
        return render_pdf("reports/pdf/report.html", {
            "case": case,
            "report": report,
            "parts": report_parts(report),
            "practice_day": case.practice_day_held_on or case.practice_day,
            "delivered_on": timezone.localdate(report.delivered_at) if report.delivered_at else None,
            "issuer": settings.MITTIST_CERTIFICATE_ISSUER,
        })
