"""Who may do what with a case's report. Every predicate takes the case.

The coordinator sees the report's status and dates, never its text. The quality group reads the report
(only the report) once it is delivered. The trainee reads it from delivery and shares it; nobody reads
it after the purge.
"""

import rules

from evaluations.models import Evaluation
from evaluations.rules import is_case_evaluator, is_case_trainee
from mittist.accounts.rules import is_coordinator, is_evaluator, is_quality_reviewer, is_trainee


def report_of(case):
    """The case's report or None (the reverse one-to-one raises when there is none)."""
    if case is None:
        return None
    try:
        return case.report
    except Exception:  # RelatedObjectDoesNotExist
        return None


@rules.predicate
def report_being_written(user, case):
    return case is not None and case.state == Evaluation.State.PRACTICE_DAY_HELD


@rules.predicate
def report_delivered(user, case):
    report = report_of(case)
    return report is not None and report.delivered_at is not None


@rules.predicate
def report_exists(user, case):
    return report_of(case) is not None


@rules.predicate
def report_not_purged(user, case):
    report = report_of(case)
    return report is None or report.purged_at is None


@rules.predicate
def holds_review(user, review):
    """The quality group member who took this review (and has not released it). Takes the review."""
    return review is not None and review.reviewer_id is not None and review.reviewer_id == user.pk


@rules.predicate
def review_pending(user, case):
    return case is not None and case.quality_reviewed_at is None


case_evaluator = is_evaluator & is_case_evaluator
case_trainee = is_trainee & is_case_trainee

rules.add_perm("reports.write", case_evaluator & report_being_written)
rules.add_perm(
    "reports.read",
    report_not_purged
    & ((case_evaluator & report_exists) | ((case_trainee | is_quality_reviewer) & report_delivered)),
)
rules.add_perm("reports.view_status", is_coordinator | case_trainee | case_evaluator | is_quality_reviewer)
rules.add_perm("reports.share", case_trainee & report_delivered & report_not_purged)
rules.add_perm("reports.read_for_review", is_quality_reviewer & report_delivered & report_not_purged)
rules.add_perm("reports.review", is_quality_reviewer & report_delivered & report_not_purged & review_pending)
rules.add_perm("reports.see_review", is_coordinator | is_quality_reviewer)
