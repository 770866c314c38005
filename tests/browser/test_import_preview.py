"""A curator previews a citation file in the admin and imports it from the
preview, without choosing the file again."""

from pathlib import Path

import pytest

from studies.models import Study
from tests.factories import CuratorFactory

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parents[1] / "studies" / "fixtures" / "scholar-broken.bib"
PASSWORD = "correct horse battery staple"


def test_preview_then_import_these_records(tab, transactional_db, tmp_path):
    CuratorFactory(username="preview-curator")
    tab.goto("/admin/login/?next=/admin/studies/study/import/")
    tab.page.fill("#id_username", "preview-curator")
    tab.page.fill("#id_password", PASSWORD)
    tab.page.click("input[type=submit]")
    tab.page.set_input_files("#id_file", str(FIXTURE))
    assert tab.page.is_checked("#id_dry_run")  # a preview comes first
    tab.page.click("input[value=Upload]")

    tab.page.wait_for_selector("text=Preview")
    rows = tab.page.locator("table.ea-import-entries tbody tr")
    assert rows.count() == 4
    assert "this BibTeX entry could not be read" in rows.nth(2).inner_text()
    assert "url “http://example_url.com/paper” dropped" in rows.nth(3).inner_text()
    tab.page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)
    assert not Study.objects.exists()

    tab.page.click("input[value='Import these 3 records']")
    tab.page.wait_for_selector("text=Import report")
    assert "3 created, 0 updated, 0 unchanged, 1 skipped" in tab.page.content()
    assert Study.objects.count() == 3
    tab.assert_no_console_errors()
