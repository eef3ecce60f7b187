"""The report's part of the trainee's own data (evaluations/personal_data.py runs these).

Export: the delivered report, field by field, with its PDF, and the links the trainee shared it through.
A draft the evaluator never sent is not the trainee's and is not included. Erasure: the report's text, PDF,
share links and the review's comments, as on its purge day (reports/purge.py), delivered or not.
"""

from django.core.files.storage import default_storage
from django.utils import timezone

from evaluations.extensions import ExportPart
from mittist.pdf import pdf_filename

from .forms import report_parts
from .models import Report
from .purge import purge_report, purge_unsent_report


def _iso(value):
    return value.isoformat() if value else None


def _pdf(report: Report):
    def read() -> bytes:
        with default_storage.open(report.pdf.name, "rb") as handle:
            return handle.read()

    return read


def export(person, cases) -> ExportPart | None:
    data, files = [], []
    reports = Report.objects.filter(case__in=cases, delivered_at__isnull=False, purged_at__isnull=True)
    for report in reports.select_related("case", "template"):
        data.append({
            "case": str(report.case_id),
            "delivered_at": _iso(report.delivered_at),
            "delivered_by": report.delivered_by_name,
            "parts": [
                {"title": str(part.title),
                 "fields": [{"question": f.question, "label": str(f.bound.label or ""),
                             "text": report.answer(f.key)} for f in part.fields]}
                for part in report_parts(report)
            ],
            "shared_with": [
                {"kind": str(s.get_kind_display()), "name": s.name, "email": s.email, "created_at": _iso(s.created_at),
                 "expires_at": _iso(s.expires_at), "revoked_at": _iso(s.revoked_at), "views": s.view_count}
                for s in report.shares.order_by("created_at")
            ],
        })
        if report.pdf:
            name = pdf_filename("mitt-i-st-rapport", person.full_name, "rapport")
            files.append((f"rapport-{report.case.registered_at:%Y}/{name}", _pdf(report)))
    return ExportPart(data, files) if data else None


def erase(person, cases) -> list[str]:
    now = timezone.now()
    names = []
    for case in cases:
        names += purge_unsent_report(case, now)
        delivered = Report.objects.filter(case=case, delivered_at__isnull=False, purged_at__isnull=True).first()
        if delivered is not None:
            purge_report(delivered, now)  # queues its own files
    return names
