import rules

from .models import Role


@rules.predicate
def is_coordinator(user):
    return user.is_authenticated and user.role == Role.COORDINATOR


@rules.predicate
def is_trainee(user):
    return user.is_authenticated and user.role == Role.TRAINEE


@rules.predicate
def is_evaluator(user):
    return user.is_authenticated and user.role == Role.EVALUATOR


@rules.predicate
def is_quality_reviewer(user):
    return user.is_authenticated and user.role == Role.QUALITY


@rules.predicate
def is_supervisor(user):
    return user.is_authenticated and user.role == Role.SUPERVISOR


@rules.predicate
def is_admin(user):
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN)


# Those who see many people's cases (or run the system) must sign in with a second factor.
SECOND_FACTOR_ROLES = {Role.COORDINATOR, Role.QUALITY, Role.ADMIN}


@rules.predicate
def second_factor_required(user):
    return user.is_authenticated and (user.role in SECOND_FACTOR_ROLES or user.is_staff or user.is_superuser)


rules.add_perm("accounts.unlock_account", is_coordinator | is_admin)
rules.add_perm("accounts.reset_second_factor", is_admin)
rules.add_perm("accounts.second_factor_required", second_factor_required)
