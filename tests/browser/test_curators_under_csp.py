"""The admin, the API docs and the account pages work under the strict
Content Security Policy: no inline script is refused, nothing breaks."""

import pytest

from evidence.models import Claim
from tests.factories import EditorFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

PASSWORD = "correct horse battery staple"


def sign_in(tab, url="/admin/login/?next=/admin/"):
    EditorFactory(username="csp-editor")
    tab.goto(url)
    tab.page.fill("#id_username", "csp-editor")
    tab.page.fill("#id_password", PASSWORD)
    tab.page.click("input[type=submit], button[type=submit]")


def csp_errors(tab):
    return [error for error in tab.console_errors if "Content Security Policy" in error]


def test_the_admin_works_under_the_csp(tab):
    sign_in(tab)
    assert tab.page.locator("#site-name").inner_text() == "Evidence Atlas curation"
    claim = Claim.objects.get(
        slug="microdosing-psilocybin-reduces-depression-and-anxiety"
    )
    tab.goto(f"/admin/evidence/claim/{claim.pk}/change/")
    # The collapsible fieldsets and the study autocomplete are driven by the admin's scripts.
    tab.page.click("#evidence-0 .select2-selection, .inline-related .select2-selection")
    tab.page.wait_for_selector(".select2-results__option")
    tab.goto(f"/admin/evidence/claim/{claim.pk}/history/")
    assert (
        "Change history" in tab.page.content() or "View history" in tab.page.content()
    )
    tab.goto("/admin/studies/study/")
    tab.page.click("text=Import citations")
    assert tab.page.locator("input[type=file]").count() == 1
    assert not csp_errors(tab), csp_errors(tab)
    tab.assert_no_console_errors()


def test_the_api_docs_work_offline_under_the_csp(tab):
    tab.goto("/api/v1/docs/")
    tab.page.wait_for_selector(".opblock-tag", timeout=15_000)
    assert tab.page.locator(".opblock").count() > 10
    assert not csp_errors(tab), csp_errors(tab)


def test_the_account_page_creates_a_token_under_the_csp(tab):
    sign_in(tab, "/account/login/?next=/account/tokens/")
    tab.page.fill("#id_name", "browser notebook")
    tab.page.click("text=Create token")
    assert tab.page.locator(".token-key").inner_text().strip()
    assert "browser notebook" in tab.page.locator("table.tokens").inner_text()
    assert not csp_errors(tab), csp_errors(tab)
    tab.assert_no_console_errors()
