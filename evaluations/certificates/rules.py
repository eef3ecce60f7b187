"""Who may do what with a case's certificate. Every predicate takes the case.

The trainee and the office see the certificate card (valid or revoked); only a valid certificate can
be downloaded. The evaluator and the quality group see from the case's state that it was issued, no more.
"""

import rules

from evaluations.models import Evaluation
from evaluations.rules import is_case_trainee
from mittist.accounts.rules import is_coordinator, is_trainee


def certificate_of(case):
    if case is None:
        return None
    try:
        return case.certificate
    except Evaluation.certificate.RelatedObjectDoesNotExist:
        return None


@rules.predicate
def has_certificate(user, case):
    return certificate_of(case) is not None


@rules.predicate
def has_valid_certificate(user, case):
    certificate = certificate_of(case)
    return certificate is not None and certificate.revoked_at is None


@rules.predicate
def report_delivered_not_reviewed(user, case):
    return case is not None and case.state == Evaluation.State.REPORT_DELIVERED


is_holder_or_office = is_coordinator | (is_trainee & is_case_trainee)

rules.add_perm("certificates.view", has_certificate & is_holder_or_office)
rules.add_perm("certificates.download", has_valid_certificate & is_holder_or_office)
# Issuing and revoking are the office's: the same right as its other steps on a case.
rules.add_perm("certificates.manage", is_coordinator)
rules.add_perm("certificates.issue_early", is_coordinator & report_delivered_not_reviewed)
rules.add_perm("certificates.revoke", is_coordinator & has_valid_certificate)
