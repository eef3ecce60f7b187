"""The ended states are listed once, on Evaluation; the one-running-case constraint spells them out."""

from evaluations.models import Evaluation


def test_the_one_running_case_constraint_excludes_exactly_the_ended_states():
    (constraint,) = [c for c in Evaluation._meta.constraints if c.name == "one_active_case_per_personnummer"]
    ((lookup, states),) = constraint.condition.children
    assert constraint.condition.negated and lookup == "state__in"
    assert sorted(states) == sorted(Evaluation.ENDED_STATES)


def test_ended_without_completion_is_part_of_ended():
    S = Evaluation.State
    assert Evaluation.ENDED_STATES == [S.CLOSED, S.WITHDRAWN, S.REJECTED]
    assert set(Evaluation.ENDED_WITHOUT_COMPLETION_STATES) == {S.WITHDRAWN, S.REJECTED}
