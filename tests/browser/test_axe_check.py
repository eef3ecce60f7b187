"""The axe-core check itself: it runs offline from the pinned package and fails on what it should."""

import pytest

from .fixtures import assert_no_axe_violations, axe_violations

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html lang="sv"><head><title>Trasig</title></head><body><main>
<h1>Trasig sida</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#bbb;background:#fff">Ljusgrå text på vitt</p>
<input type="text" name="namn">
</main></body></html>"""


def test_axe_reports_serious_and_critical_problems_by_rule_and_selector(page):
    # No network at all: axe comes from the package, not from a CDN.
    page.context.route("**/*", lambda route: route.abort())
    page.set_content(BROKEN)
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found.get("image-alt") == "critical"
    assert found.get("color-contrast") == "serious"
    assert found.get("label") == "critical"
    with pytest.raises(AssertionError) as failure:
        assert_no_axe_violations(page)
    message = str(failure.value)
    assert "image-alt (critical)" in message and "color-contrast (serious)" in message
    assert "img" in message  # the selector of the element at fault


def test_a_clean_page_passes(page):
    page.set_content('<!doctype html><html lang="sv"><head><title>Ren</title></head><body><main><h1>Ren sida</h1>'
                     '<label for="n">Namn</label><input id="n" name="n"></main></body></html>')
    assert_no_axe_violations(page)
