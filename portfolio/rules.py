"""Who may read or write which part of a portfolio.

The coordinator sees completeness and dates, never the content (data minimisation). The evaluator
reads the content of their own case once it is submitted. The trainee writes until submission.
"""

import rules

from evaluations.rules import is_case_evaluator, is_case_trainee
from mittist.accounts.rules import is_coordinator, is_evaluator, is_trainee


@rules.predicate
def texts_open(user, case):
    return case is not None and case.trainee_texts_open


@rules.predicate
def material_submitted(user, case):
    return case is not None and case.material_submitted_at is not None


rules.add_perm("portfolio.edit", is_trainee & is_case_trainee & texts_open)
rules.add_perm(
    "portfolio.read_content", (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator & material_submitted)
)
rules.add_perm(
    "portfolio.view_status", is_coordinator | (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator)
)
rules.add_perm("portfolio.manage_supervisor_link", is_coordinator | (is_trainee & is_case_trainee))
# Before the purge the trainee takes the material home (one PDF and the documents, in a ZIP).
rules.add_perm("portfolio.download_material", is_trainee & is_case_trainee)
