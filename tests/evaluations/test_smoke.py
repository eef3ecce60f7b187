import pytest

from evaluations.models import Evaluation


@pytest.mark.parametrize("state", Evaluation.PROCESS)
def test_make_case_reaches_every_state_of_the_process(make_case, state):
    assert make_case(state).state == state
