"""Who may do what with a case's certificate. Every predicate takes the case."""

import rules

from evaluations.models import Evaluation
from evaluations.rules import is_case_trainee
from mittist.accounts.rules import is_coordinator, is_trainee


def certificate_of(case):
    if case is None:
        return None
    try:
        return case.certificate
    except Exception:  # RelatedObjectDoesNotExist
        return None


@rules.predicate
def has_valid_certificate(user, case):
    certificate = certificate_of(case)
    return certificate is not None and certificate.revoked_at is None


@rules.predicate
def report_delivered_not_reviewed(user, case):
    return case is not None and case.state == Evaluation.State.REPORT_DELIVERED


rules.add_perm("certificates.download", has_valid_certificate & (is_coordinator | (is_trainee & is_case_trainee)))
rules.add_perm("certificates.issue_early", is_coordinator & report_delivered_not_reviewed)
rules.add_perm("certificates.revoke", is_coordinator & has_valid_certificate)
