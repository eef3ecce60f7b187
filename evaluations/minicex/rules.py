"""Who may do what with a mini-CEX form."""

import rules

from mittist.accounts.rules import is_coordinator


@rules.predicate
def is_form_trainee(user, form):
    return form is not None and form.trainee_id == user.pk


@rules.predicate
def is_form_assessor(user, form):
    return form is not None and form.assessor_user_id is not None and form.assessor_user_id == user.pk


@rules.predicate
def is_not_draft(user, form):
    return form is not None and form.state != form.S.DRAFT


rules.add_perm("minicex.view_form", is_coordinator | is_form_trainee | (is_form_assessor & is_not_draft))
rules.add_perm("minicex.act_as_trainee", is_form_trainee)
rules.add_perm("minicex.assess_with_account", is_form_assessor)
rules.add_perm("minicex.amend_form", is_coordinator)
rules.add_perm("minicex.manage_training", is_coordinator)
