import pytest

from evaluations.models import Evaluation

S = Evaluation.State


@pytest.mark.parametrize("state", Evaluation.PROCESS)
def test_make_case_reaches_every_state_of_the_process(make_case, state):
    # The recorded quality review issues the certificate in the same step: a reviewed case is certified.
    expected = S.CERTIFIED if state == S.QUALITY_REVIEWED else state
    assert make_case(state).state == expected
