import pytest

from evaluations.minicex.models import MiniCex

S = MiniCex.State


@pytest.mark.parametrize("mode", ["link", "device"])
@pytest.mark.parametrize("state", [S.DRAFT, S.AWAITING_ASSESSOR, S.ASSESSED, S.COMPLETED, S.CANCELLED])
def test_fixture_reaches_every_state(make_form, state, mode, st_definition, bt_definition):
    for definition in (st_definition, bt_definition):
        form, _ = make_form(state, mode=mode, definition=definition)
        form.refresh_from_db()
        assert form.state == state
        assert form.events.exists()
