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
