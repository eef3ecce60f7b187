"""In Chromium: the trainee sees who read the material, downloads everything and asks for erasure; the office
sees the log and the request on the case page and carries the erasure out; the case page then shows the
anonymous tombstone."""

import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from evaluations.models import Evaluation
from mittist.accounts.models import User
from tests.browser.fixtures import assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD
from tests.purge.builders import build_full_case

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migration_rows_back")]


def test_read_log_export_and_erasure_in_the_browser(
    page, live_server, make_case, trainee, evaluator, quality, coordinator, tmp_path
):
    full = build_full_case(make_case, trainee, evaluator, quality)
    case = full.case
    page.on("dialog", lambda dialog: dialog.accept())

    # The evaluator reads the material: one line in the log.
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(f"/arenden/{case.pk}/material/")
    expect(page.locator("h1")).to_be_visible()
    log_out(page)

    log_in(page, trainee.email, PASSWORD)
    page.goto(case.get_absolute_url())
    panel = page.locator("section", has=page.locator("#readlog-panel-heading"))
    expect(panel).to_contain_text("Vem har läst")
    expect(panel).to_contain_text("Vera Värderare")
    expect(panel).to_contain_text("Materialet (sidan)")
    panel.scroll_into_view_if_needed()
    shot(page, "trainee-case-page-who-read")

    page.goto("/min-mitt-i-st/")
    page.get_by_role("link", name=re.compile("Mina uppgifter")).click()
    expect(page.locator("h1")).to_have_text("Mina uppgifter")
    assert_accessible(page)
    shot(page, "my-data")
    with page.expect_download() as info:
        page.get_by_role("link", name="Hämta mina uppgifter (ZIP)").click()
    path = tmp_path / "mina-uppgifter.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        assert data["mitt_i_st"]["account"]["email"] == trainee.email
        assert any(n.endswith(".pdf") for n in archive.namelist())

    page.get_by_role("button", name="Begär radering").click()
    expect(page.locator("body")).to_contain_text("Din begäran om radering är skickad")
    shot(page, "erasure-requested")
    log_out(page)

    log_in(page, coordinator.email, PASSWORD)
    page.goto(f"/arenden/{case.pk}/vem-har-last/")
    expect(page.locator("h1")).to_contain_text("Läslogg för")
    expect(page.locator("table")).to_contain_text("Vera Värderare")
    assert_accessible(page)
    shot(page, "office-read-log")
    page.goto(case.get_absolute_url())
    erasure = page.locator("#radering")
    expect(erasure).to_contain_text("begärde radering")
    expect(page.locator("#readlog-panel-heading")).to_have_text("Läslogg")
    erasure.scroll_into_view_if_needed()
    shot(page, "office-case-page-erasure")
    erasure.get_by_label(re.compile("Jag vill radera personuppgifterna")).check()
    erasure.get_by_role("button", name="Radera personuppgifterna").click()
    expect(page.locator("body")).to_contain_text("Personuppgifterna är raderade")
    expect(page.locator("h1")).to_have_text("Raderad ST-läkare")
    shot(page, "office-tombstone")

    assert Evaluation.objects.get(pk=case.pk).erased_at is not None
    assert not User.objects.get(pk=trainee.pk).is_active
