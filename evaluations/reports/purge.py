"""The report's part of the purge (the rule and the sweep are in evaluations/purge.py).

On its purge day the report's text (answers and the trainee's questions), its PDF (every stored
version), its share links and the quality review's free text leave SFAM. The Report row stays as the
tombstone: when and by whom it was delivered, whether late, the review's reviewer, date and checklist
answers (yes/partly/no, no text), when it was purged, and the SHA-256 of the delivered PDF, so that a
PDF the trainee holds can be confirmed on the public page "Kontrollera en rapport".

A report that was never reviewed is purged too, at the latest day (MITTIST_REPORT_KEEP_DAYS_MAX after
delivery): the issue says "at the latest", and the quality group's queue shows only reports still kept.
A report that was never delivered (the case ended while the evaluator wrote it) is purged with the
material: nobody but its author ever read it, so there is no notice for it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from evaluations.models import CaseEvent, Evaluation
from evaluations.purge import claim_notice, each, local_start, notice_days, purge_day, queue_files

from .models import QualityReview, Report, ReportShare

# The share links' audit rows name the readers the trainee chose: who got the report goes with it.
SHARE_ACTIONS = ("report_shared", "report_share_revoked", "report_share_opened")


def report_purge_day(report: Report, today=None):
    """The day the report leaves SFAM (after its notice period), or the day it did."""
    if report.purged_at is not None:
        return timezone.localdate(report.purged_at)
    return purge_day(report.purge_due(), report.purge_notice_sent_at, today)


def pdf_folder(case: Evaluation) -> str:
    # reports.services names every PDF of the case under this folder; an earlier delivery that failed
    # half-way may have left versions there that no row names.
    return f"reports/{case.pk}/"


def _kept():
    return Report.objects.filter(delivered_at__isnull=False, purged_at__isnull=True).select_related("case")


def send_report_notices(now: datetime) -> int:
    today = timezone.localdate(now)
    # purge_due − notice ≤ today, with purge_due = min(delivered + max, reviewed + after_review), in SQL.
    after_max = today - timedelta(days=settings.MITTIST_REPORT_KEEP_DAYS_MAX) + notice_days() + timedelta(days=1)
    after_review = (
        today - timedelta(days=settings.MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW) + notice_days() + timedelta(days=1)
    )
    candidates = _kept().filter(purge_notice_sent_at__isnull=True).filter(
        Q(delivered_at__lt=local_start(after_max)) | Q(case__quality_reviewed_at__lt=local_start(after_review))
    )

    def notice(report) -> bool:
        if report.purge_due() - notice_days() > today:
            return False
        unclaimed = Report.objects.filter(pk=report.pk, purge_notice_sent_at__isnull=True, purged_at__isnull=True)
        return claim_notice(unclaimed, "purge_notice_sent_at", report.case, "report", now)

    return each(candidates, notice, "report notice")


def purge_report(report: Report, now: datetime) -> bool:
    """Claim the report's purge and clear its content in the same transaction; its files follow the commit."""
    with transaction.atomic():
        case = Evaluation.objects.select_for_update().get(pk=report.case_id)
        claimed = Report.objects.filter(pk=report.pk, purged_at__isnull=True).update(purged_at=now)
        if not claimed:
            return False
        report = Report.objects.select_for_update().get(pk=report.pk)
        queue_files(case, [report.pdf.name, pdf_folder(case)])
        Report.objects.filter(pk=report.pk).update(answers={}, questions=[], pdf="")
        # The review's verdicts (yes/partly/no) and who made them stay; what was written goes.
        QualityReview.objects.filter(report=report).update(comments="")
        ReportShare.objects.filter(report=report).delete()
        CaseEvent.objects.filter(case=case, action__in=SHARE_ACTIONS).exclude(note="").update(note="")
        CaseEvent.record(case, None, "report_purged")
    return True


def purge_due_reports(now: datetime) -> int:
    today = timezone.localdate(now)
    noticed_long_enough = local_start(today - notice_days() + timedelta(days=1))
    due = (r for r in _kept().filter(purge_notice_sent_at__lt=noticed_long_enough) if report_purge_day(r, today) <= today)
    return each(due, lambda report: purge_report(report, now), "report purge")


def purge_unsent_report(case: Evaluation, now: datetime) -> list[str]:
    """With the material: a report the case ended before it was sent. Returns the files to delete."""
    report = Report.objects.filter(case=case, delivered_at__isnull=True, purged_at__isnull=True).first()
    if report is None:
        return []
    Report.objects.filter(pk=report.pk).update(answers={}, questions=[], pdf="", purged_at=now)
    return [report.pdf.name, pdf_folder(case)]
