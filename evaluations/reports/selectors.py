"""Reads about reports: what the pages list and show. No writes here."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet

from evaluations.models import Evaluation
from mittist.definitions import localized

from .models import QualityReview, Report
from .purge import report_purge_day
from .rules import holds_review, report_of


@dataclass(frozen=True)
class ReportFacts:
    """How a case's report stands: dates and flags only, never its text (the coordinator reads this)."""

    due: date | None
    started: bool
    delivered_at: datetime | None
    delivered_by_name: str
    late: bool
    reviewed_at: datetime | None
    reviewer_name: str
    review_taken_by: str
    purge_due: date | None
    purged_at: datetime | None
    sha256: str
    share_count: int

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


def report_facts(case: Evaluation) -> ReportFacts:
    report = report_of(case)
    review = _review_of(report) if report is not None else None  # read with the case where it asked for it
    delivered = report is not None and report.delivered_at is not None
    return ReportFacts(
        due=case.report_due,
        started=report is not None and report.version > 0,
        delivered_at=report.delivered_at if report else None,
        delivered_by_name=report.delivered_by_name if report else "",
        late=bool(report and report.delivered_late),
        reviewed_at=case.quality_reviewed_at,
        reviewer_name=review.reviewer_name if review and review.completed_at else "",
        review_taken_by=review.reviewer_name if review and not review.completed_at else "",
        # The day it really goes: never sooner than the notice period after the trainee was told.
        purge_due=report_purge_day(report) if delivered and not report.purged_at else None,
        purged_at=report.purged_at if report else None,
        sha256=report.pdf_sha256 if report else "",
        share_count=report.shares.count() if delivered else 0,
    )


@dataclass(frozen=True)
class QueueRow:
    """One report on the quality group's home: who, when delivered, on time or late, and who has taken it."""

    report: Report
    case: Evaluation
    taken_by: str
    taken_by_me: bool
    reviewed_by: str

    @property
    def delivered_at(self) -> datetime:
        return self.report.delivered_at

    @property
    def late(self) -> bool:
        return self.report.delivered_late


def _review_of(report: Report) -> QualityReview | None:
    try:
        return report.review
    except QualityReview.DoesNotExist:  # not taken yet: the reverse one-to-one has nothing
        return None


def queue_rows(reports, user) -> list[QueueRow]:
    rows = []
    for report in reports:
        review = _review_of(report)
        completed = review is not None and review.completed_at is not None
        taken = review is not None and not completed and review.reviewer_id is not None
        rows.append(QueueRow(
            report=report, case=report.case,
            taken_by=review.reviewer_name if taken else "",
            taken_by_me=taken and holds_review(user, review),
            reviewed_by=review.reviewer_name if completed else "",
        ))
    return rows


def quality_queue() -> QuerySet:
    """Delivered reports not yet reviewed (nor purged), the oldest delivery first."""
    return (
        Report.objects.filter(delivered_at__isnull=False, purged_at__isnull=True, case__quality_reviewed_at__isnull=True)
        .select_related("case__trainee", "case__evaluator__user", "review")
        .order_by("delivered_at")
    )


def recently_reviewed(limit: int = 50) -> QuerySet:
    """The latest recorded reviews, newest first (purged reports too: their tombstone says who and when)."""
    return (
        Report.objects.filter(delivered_at__isnull=False, case__quality_reviewed_at__isnull=False)
        .select_related("case__trainee", "case__evaluator__user", "review")
        .order_by("-case__quality_reviewed_at")[:limit]
    )


def review_rows(review: QualityReview) -> list[tuple[str, str]]:
    """(checklist item, answer) in the checklist's order, as the page shows a recorded review."""
    labels = dict(QualityReview.Answer.choices)
    return [(localized(item, "label"), str(labels.get(review.answers.get(item["key"]), "")))
            for item in review.checklist.items]
