"""What an assessor typed survives a closed tab: the browser keeps a copy until it is saved."""

import pytest

from evaluations.minicex.models import MiniCex
from tests.browser.fixtures import shot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("printed_forms")]
S = MiniCex.State


def test_unsaved_feedback_comes_back_after_a_reload_and_goes_once_saved(phone_page, make_form):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    link = f"/mini-cex/{form.pk}/bedom/{token}/"
    page = phone_page
    page.goto(link)
    notice = page.locator("[data-keep-draft-notice]")
    assert notice.is_hidden()
    page.locator("textarea[name=summary]").fill("Lugn och strukturerad, bra sammanfattning.")
    page.locator("input[name=rating_anamnes][value='4']").check(force=True)

    page.goto(link)  # as if the tab had been closed
    assert page.locator("textarea[name=summary]").input_value() == "Lugn och strukturerad, bra sammanfattning."
    assert page.locator("input[name=rating_anamnes][value='4']").is_checked()
    assert notice.is_visible()
    shot(page, "restored-from-browser")
    form.refresh_from_db()
    assert form.summary == ""  # nothing reached the server until it is saved

    page.locator("button[name=submit][value='0']").click()
    page.wait_for_load_state()
    form.refresh_from_db()
    assert form.summary == "Lugn och strukturerad, bra sammanfattning." and form.ratings == {"anamnes": 4}
    page.goto(link)
    assert page.locator("[data-keep-draft-notice]").is_hidden()
    assert page.evaluate(f"window.localStorage.getItem('mittist:minicex:assess:{form.pk}')") is None
