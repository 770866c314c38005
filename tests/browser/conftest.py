"""Headless Chromium (Debian's, through Playwright) against the live server.

One browser for the whole session; a fresh context (cookies, storage,
viewport) per test. Missing Chromium or axe-core fails the tests with the
command that installs them: the browser tests are never skipped.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django would
# otherwise refuse database access from the tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser():
    missing = [
        f"{what} ({path})"
        for what, path in (("Chromium", CHROMIUM), ("axe-core", AXE))
        if not path.exists()
    ]
    if missing:
        pytest.fail(
            f"The browser tests need {' and '.join(missing)}, which "
            "cannot be found. Install what is missing with `make browser-deps`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def seeded(transactional_db):
    """The seed data set, in the database the live server reads."""
    call_command("seed", stdout=StringIO())


class Tab:
    """A browser page on the live server that records console errors."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.console_errors = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def goto(self, path):
        return self.page.goto(self.base_url + path)

    def assert_no_console_errors(self, allow=()):
        errors = [
            error
            for error in self.console_errors
            if not any(allowed in error for allowed in allow)
        ]
        assert not errors, f"console errors: {errors}"


@pytest.fixture
def open_tab(browser, live_server):
    """``open_tab(viewport=..., javascript=True)`` → a :class:`Tab`."""
    contexts = []

    def open_tab(viewport=DESKTOP, javascript=True):
        context = browser.new_context(
            viewport=viewport,
            java_script_enabled=javascript,
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Tab(context.new_page(), live_server.url)

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def tab(open_tab):
    return open_tab()


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's violations of the page at these impacts, printed for the log."""
    # Evaluated through the DevTools protocol rather than added as a <script>:
    # the pages' Content Security Policy rightly refuses inline scripts.
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    violations = [v for v in results["violations"] if v["impact"] in impacts]
    for violation in violations:
        print(
            f"axe {violation['impact']}: {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            print(f"    {node['target']}: {node['failureSummary']}")
    return violations
