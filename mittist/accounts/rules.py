import rules

from .models import Role


def _has_role(role: str, name: str) -> rules.Predicate:
    """Signed in with this role."""
    return rules.Predicate(lambda user: user.is_authenticated and user.role == role, name=name)


is_coordinator = _has_role(Role.COORDINATOR, "is_coordinator")
is_trainee = _has_role(Role.TRAINEE, "is_trainee")
is_evaluator = _has_role(Role.EVALUATOR, "is_evaluator")
is_quality_reviewer = _has_role(Role.QUALITY, "is_quality_reviewer")
is_supervisor = _has_role(Role.SUPERVISOR, "is_supervisor")


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
