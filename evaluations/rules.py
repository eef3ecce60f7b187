"""Who may do what to a case. The FSM transitions name these permissions."""

import rules

from mittist.accounts.rules import is_coordinator, is_evaluator, is_quality_reviewer, is_trainee


@rules.predicate
def is_case_trainee(user, case):
    return case is not None and case.trainee_id == user.pk


@rules.predicate
def is_case_evaluator(user, case):
    return case is not None and case.evaluator_id is not None and case.evaluator.user_id == user.pk


@rules.predicate
def case_is_reviewable(user, case):
    return case is not None and case.state in case.QUALITY_VISIBLE_STATES


can_view_case = is_coordinator | (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator) | (
    is_quality_reviewer & case_is_reviewable
)

rules.add_perm("evaluations.view_case", can_view_case)
rules.add_perm("evaluations.manage_case", is_coordinator)
rules.add_perm("evaluations.act_as_trainee", is_trainee & is_case_trainee)
rules.add_perm("evaluations.act_as_evaluator", is_evaluator & is_case_evaluator)
rules.add_perm("evaluations.act_in_case", (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator))
rules.add_perm(
    "evaluations.reschedule_practice_day",
    is_coordinator | (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator),
)
rules.add_perm("evaluations.review_quality", is_quality_reviewer & case_is_reviewable)
rules.add_perm("evaluations.record_practice_day", is_coordinator | (is_evaluator & is_case_evaluator))
rules.add_perm("evaluations.see_personnummer", is_trainee & is_case_trainee)
rules.add_perm("evaluations.manage_evaluators", is_coordinator)
rules.add_perm("evaluations.resend_mail", is_coordinator)
# The purge page: what leaves SFAM when, with the trainee's downloads (the office sees the dates).
rules.add_perm("evaluations.view_purge", is_coordinator | (is_trainee & is_case_trainee))
