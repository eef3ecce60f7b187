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
def is_form_creator(user, form):
    return form is not None and form.created_by_id is not None and form.created_by_id == user.pk


@rules.predicate
def filled_in_on_an_account(user, form):
    """Sent by e-mail (the assessor may use their account instead of the link), or started by the
    assessor on their own account (the Mitt-i-ST evaluator): not a form on the trainee's device."""
    if form is None:
        return False
    return form.mode == form.Mode.EMAIL_LINK or (
        form.mode == form.Mode.SAME_DEVICE and form.assessor_confirmed_by == form.Confirmation.ACCOUNT
    )


@rules.predicate
def is_not_draft(user, form):
    return form is not None and form.state != form.S.DRAFT


rules.add_perm("minicex.view_form", is_coordinator | is_form_trainee | (is_form_assessor & is_not_draft))
rules.add_perm("minicex.act_as_trainee", is_form_trainee)
rules.add_perm("minicex.assess_with_account", is_form_assessor & filled_in_on_an_account)
rules.add_perm("minicex.amend_form", is_coordinator)
rules.add_perm("minicex.manage_training", is_coordinator)
