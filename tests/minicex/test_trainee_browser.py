"""The trainee's pages on a small phone (360x740): list, create with curriculum-dependent goals,
detail; and the coordinator's amendment shown on the form. Screenshots in test-artifacts/."""

import pytest
from playwright.sync_api import expect

from evaluations.minicex.models import MiniCex
from tests.browser.fixtures import assert_accessible, log_in, shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("printed_forms")]
SMALL_PHONE = {"width": 360, "height": 740}
S = MiniCex.State



def test_trainee_creates_a_form_on_a_small_phone(phone_page, trainee, st_definition):
    page = phone_page
    page.set_viewport_size(SMALL_PHONE)
    log_in(page, trainee.email, PASSWORD)
    page.goto("/mini-cex/")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Vad är en mini-CEX?")).to_be_visible()
    shot(page, "list-empty")

    page.get_by_role("link", name="Ny mini-CEX").first.click()
    assert_accessible(page)
    # With JavaScript only the chosen curriculum's goals show; switching shows the other group.
    expect(page.locator("#goals-st-2015")).to_be_hidden()
    expect(page.locator("#goals-bt-bt2021")).to_be_hidden()
    expect(page.locator("#goals-st-2021")).to_be_visible()
    shot(page, "create-empty")
    page.get_by_label("BT 2021").check()
    expect(page.locator("#goals-bt-bt2021")).to_be_visible()
    expect(page.locator("#id_free_goals")).to_be_hidden()
    page.get_by_label("ST 2021").check()

    page.get_by_label("Kliniskt sammanhang").fill("Vårdcentral, akut tid")
    page.get_by_label("Beskrivning av fallet").fill("Kvinna 34 år med hosta i tre veckor.")
    page.get_by_label("STb1").check()
    page.get_by_label("Eget delmål 1").fill("STc6 Infektionssjukdomar")
    page.get_by_label("Anamnes").first.check()
    page.get_by_role("button", name="Spara utkast").click()
    # Missing assessor: errors at the fields, everything typed kept.
    expect(page.locator("#id_assessor_name_error")).to_be_visible()
    assert page.get_by_label("Kliniskt sammanhang").input_value() == "Vårdcentral, akut tid"
    assert page.get_by_label("Eget delmål 1").input_value() == "STc6 Infektionssjukdomar"
    assert_accessible(page)
    shot(page, "create-errors")

    page.get_by_label("Bedömarens namn").fill("Asta Bedömare")
    page.get_by_label("Bedömarens e-post").fill("asta.bedomare@example.org")
    page.get_by_role("button", name="Spara utkast").click()
    page.wait_for_url("**/mini-cex/*-*/")
    assert_accessible(page)
    form = MiniCex.objects.get(trainee=trainee)
    assert form.free_goals == ["STc6 Infektionssjukdomar"] and form.goals == ["STb1"]
    shot(page, "detail-draft")


def test_list_and_amended_detail_on_a_small_phone(phone_page, trainee, coordinator, make_form):
    from evaluations.minicex import services

    for _ in range(2):
        make_form(S.COMPLETED)
    form, _ = make_form(S.COMPLETED)
    make_form(S.AWAITING_ASSESSOR)
    services.minicex_amend(form=form, by=coordinator, values={"summary": "Rättad text", "ratings": {
        **form.ratings, "anamnes": 4}}, reason="Fel nivå", requested_by="Hugo Handledare")
    page = phone_page
    page.set_viewport_size(SMALL_PHONE)
    log_in(page, trainee.email, PASSWORD)
    page.goto("/mini-cex/")
    assert_accessible(page)
    shot(page, "list")
    page.goto(f"/mini-cex/{form.pk}/")
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Ändringar efter inskickandet")).to_be_visible()
    shot(page, "detail-completed-amended")
