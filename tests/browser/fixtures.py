"""Playwright in Debian's Chromium against pytest-django's live server.

A pytest plugin (tests/conftest.py loads it once), so every folder shares one Chromium.

Every test module here sets `pytestmark = pytest.mark.browser`. Fixtures:

- `browser`: one Chromium for the session (skipped loudly when Chromium is missing, failed on CI);
- `page` (1280x900) and `phone_page` (390x844): a fresh context per test, Swedish locale, with
  `base_url` set to the live server so `page.goto("/anmalan/")` works;
- `browser_problems`: console errors, uncaught exceptions and CSP violations seen by the test's pages.
  The test fails if any are left at the end; `browser_problems.allow(regex)` accepts an expected one.

`shot(page, "step")` saves a full-page screenshot to test-artifacts/screenshots/<test>/<nn>-<step>.png.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Reports CSP violations through the console even where Chromium would only count them. Init scripts
# are injected by the browser itself, so the policy does not block this one.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = "Chromium not installed: apt-get install -y chromium; browser tests NOT run"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


class BrowserProblems:
    """What the pages of one test complained about."""

    def __init__(self):
        self.seen: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def watch(self, page) -> None:
        def on_console(message):
            if message.type in ("error", "assert"):
                location = message.location or {}
                self.seen.append(f"console.{message.type}: {message.text} ({location.get('url', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.seen.append(f"uncaught: {error}"))

    def unexpected(self) -> list[str]:
        return [text for text in self.seen if not any(p.search(text) for p in self.allowed)]


@pytest.fixture
def browser_problems():
    return BrowserProblems()


def _screenshot_dir(request) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    return ARTIFACTS / name


@pytest.fixture
def _screenshots(request):
    """One folder and one running number per test, shared by all its pages."""
    folder = _screenshot_dir(request)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return {"dir": folder, "n": 0}


def _open_page(browser, live_server, browser_problems, screenshots, viewport):
    context = browser.new_context(
        viewport=viewport, locale="sv-SE", timezone_id="Europe/Stockholm", base_url=live_server.url
    )
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_REPORTER)
    page = context.new_page()
    page._mittist_shots = screenshots
    browser_problems.watch(page)
    return context, page


def _check(browser_problems):
    problems = browser_problems.unexpected()
    if problems:
        pytest.fail("The browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(browser, live_server, browser_problems, _screenshots):
    context, page = _open_page(browser, live_server, browser_problems, _screenshots, DESKTOP)
    yield page
    context.close()
    _check(browser_problems)


@pytest.fixture
def phone_page(browser, live_server, browser_problems, _screenshots):
    context, page = _open_page(browser, live_server, browser_problems, _screenshots, PHONE)
    yield page
    context.close()
    _check(browser_problems)


def shot(page, name: str) -> Path:
    """A full-page screenshot, numbered in the order the test takes them."""
    state = page._mittist_shots
    state["n"] += 1
    path = state["dir"] / f"{state['n']:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- small helpers shared by the browser tests -----------------------------------------------------


def log_in(page, email: str, password: str) -> None:
    """Works in any language: finds the fields by name, not by their (translated) labels.

    Staff (and anyone who turned it on) then give the second factor: the code of their authenticator,
    which is the test key's (tests/second_factor.py) for a staff member who had none.
    """
    from mittist.accounts.models import User
    from tests.second_factor import current_code, enrol, needs_second_factor

    user = User.objects.filter(email__iexact=email.strip()).first()
    device = enrol(user) if user is not None and needs_second_factor(user) else None
    page.goto("/konto/logga-in/")
    page.locator("main input[name=username]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if device is not None and "/konto/tvastegsverifiering/kod/" in page.url:
        page.locator("main input[name=token]").fill(current_code(device))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()


def log_out(page) -> None:
    page.locator("form[action$='/konto/logga-ut/'] button").click()
    page.wait_for_url(re.compile(r"/konto/logga-in/"))


A11Y_FACTS = """
() => {
  const unlabelled = [];
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    if (!named) unlabelled.push(el.outerHTML.slice(0, 120));
  }
  return {
    h1: document.querySelectorAll("h1").length,
    main: document.querySelectorAll("main").length,
    lang: document.documentElement.getAttribute("lang") || "",
    unlabelled: unlabelled,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}
"""


# axe-core as bundled by axe-playwright-python (pinned): injected from the package, never from a network.
AXE_BLOCKING = ("serious", "critical")
AXE_OPTIONS = {"resultTypes": ["violations"]}
_axe = None


def axe_violations(page, impacts=AXE_BLOCKING) -> list[dict]:
    """axe-core's violations on the page as it is now, only those of the given impacts."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    if not page.evaluate(SCRIPTS_RUN):
        return _axe_on_copy(page, impacts)
    # Injected through the DevTools protocol, which the page's CSP does not govern; once per document.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [v for v in results["violations"] if v.get("impact") in impacts]


# static/js/app.js marks <html class="js">. Without it the page's scripts did not run (a context with
# JavaScript off, or set_content), and axe.run's promise would never settle there.
SCRIPTS_RUN = "() => document.documentElement.classList.contains('js')"


def _axe_on_copy(page, impacts) -> list[dict]:
    """axe on the same markup and styles in a page where scripts run; the page's own scripts stay off."""
    html = page.content()
    base = f'<base href="{page.url}">' if page.url.startswith("http") else ""
    context = page.context.browser.new_context(viewport=page.viewport_size, locale="sv-SE")
    try:
        copy = context.new_page()
        copy.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())
        copy.route(re.compile(r"^(?!http://(localhost|127\.0\.0\.1)[:/])"), lambda route: route.abort())
        copy.set_content(re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + base, html, count=1))
        copy.evaluate("() => document.documentElement.classList.add('js')")
        return axe_violations(copy, impacts)
    finally:
        context.close()


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())[:240]
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n  ".join(lines)


def assert_no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}: axe found serious or critical problems:\n  {describe_violations(violations)}"


def assert_accessible(page) -> dict:
    """Basic facts every page must have, nothing that makes the page scroll sideways, and no serious or
    critical axe-core violation."""
    facts = page.evaluate(A11Y_FACTS)
    where = page.url
    assert facts["h1"] == 1, f"{where}: {facts['h1']} h1 elements"
    assert facts["main"] == 1, f"{where}: no <main>"
    assert facts["lang"], f"{where}: <html> has no lang"
    assert not facts["unlabelled"], f"{where}: fields without a label: {facts['unlabelled']}"
    assert facts["overflow"] <= 0, f"{where}: the page scrolls sideways by {facts['overflow']} px"
    assert_no_axe_violations(page)
    return facts


def axe_violations_all(page, rules: list[str] | None = None) -> list[dict]:
    """Every axe-core violation, of any impact ({id, help, targets}); `rules` limits the run. Stricter than
    assert_accessible (serious and critical only): for pages that were fixed to be fully clean."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = Axe().run(page, options=options)
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
    ]


def assert_axe_clean(page, rules: list[str] | None = None) -> None:
    violations = axe_violations_all(page, rules)
    assert not violations, f"{page.url}: axe-core found " + "; ".join(
        f"{v['id']} ({v['help']}) at {v['targets']}" for v in violations
    )
