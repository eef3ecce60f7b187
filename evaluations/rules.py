"""Who may do what to a case. The FSM transitions name these permissions."""

import rules

from mittist.accounts.rules import is_coordinator, is_evaluator, is_quality_reviewer, is_trainee

from .models import Evaluation


@rules.predicate
def is_case_trainee(user, case):
    return case is not None and case.trainee_id == user.pk


@rules.predicate
def is_case_evaluator(user, case):
    return case is not None and case.evaluator_id is not None and case.evaluator.user_id == user.pk


@rules.predicate
def case_is_reviewable(user, case):
    return case is not None and case.state in case.QUALITY_VISIBLE_STATES


@rules.predicate
def assignment_accepted(user, case):
    return case is not None and case.state != case.State.EVALUATOR_ASSIGNED


@rules.predicate
def has_no_running_case(user):
    return not user.evaluations.exclude(state__in=Evaluation.ENDED_STATES).exists()


@rules.predicate
def has_an_ended_registration(user):
    # Someone who finished a Mitt-i-ST does not do another; a rejected or withdrawn one may try again.
    return user.evaluations.filter(state__in=Evaluation.ENDED_WITHOUT_COMPLETION_STATES).exists() and not user.evaluations.filter(
        state__in=["certified", "closed"]
    ).exists()


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
# Phone, e-mail, personnummer, supervisor and manager: an evaluator who has only been asked sees region,
# clinic, curriculum and dates, enough to answer; the rest once they have accepted. Quality reads none of it.
rules.add_perm(
    "evaluations.see_contact_details",
    is_coordinator | (is_trainee & is_case_trainee) | (is_evaluator & is_case_evaluator & assignment_accepted),
)
rules.add_perm("evaluations.manage_evaluators", is_coordinator)
rules.add_perm("evaluations.register_again", is_trainee & has_no_running_case & has_an_ended_registration)
rules.add_perm("evaluations.resend_mail", is_coordinator)
# The purge page: what leaves SFAM when, with the trainee's downloads (the office sees the dates).
rules.add_perm("evaluations.view_purge", is_coordinator | (is_trainee & is_case_trainee))
# Who read the trainee's material (evaluations/readlog.py): the office, and the trainee ("Vem har läst").
rules.add_perm("evaluations.view_read_log", is_coordinator | (is_trainee & is_case_trainee))
# The invoicing address and why an evaluator was assigned despite a conflict: the office's own facts. A rule
# (templates: {% test_rule %}), not a permission: has_perm would show them to a superuser of any role.
rules.add_rule("evaluations.see_office_facts", is_coordinator)


@rules.predicate
def case_is_ended(user, case):
    return case is not None and case.state in case.ENDED_STATES


@rules.predicate
def case_not_erased(user, case):
    return case is not None and case.erased_at is None


# The trainee's own data (evaluations/personal_data.py): they download it and ask for its erasure; the office
# carries the erasure out once the Mitt-i-ST has ended.
rules.add_perm("evaluations.export_own_data", is_trainee)
rules.add_perm("evaluations.request_erasure", is_trainee & is_case_trainee & case_not_erased)
rules.add_perm("evaluations.erase_personal_data", is_coordinator & case_is_ended & case_not_erased)
# The quality group reads the survey's answers: it does not see when (or whether) a case answered it,
# so that an answer cannot be linked to a trainee by its date.
rules.add_perm("evaluations.see_survey_events", can_view_case & ~is_quality_reviewer)
