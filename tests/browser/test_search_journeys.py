"""The search page in headless Chromium, on the seed data: what readers type
finds the claims first, and the page is accessible on a desktop and a phone."""

import re

import pytest

from tests.browser.conftest import PHONE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

DEPRESSION = "Microdosing psilocybin reduces symptoms of depression and anxiety."
DMN = "Psilocybin reduces activity in the brain's default mode network, breaking cycles of rumination."
RECEPTOR_SLUG = "psilocin-acts-through-5-ht2a-receptor-which-drives-mood-effects"

SEARCH_STATES = {
    "results": ("/search/?q=microdosing+depression", 200),
    "claims only": ("/search/?q=DMN", 200),
    "nothing, with a suggestion": ("/search/?q=amygdla", 200),
    "empty": ("/search/", 200),
    "bad input": ("/search/?q=" + "x" * 201, 400),
}


def claims_listed(page):
    return [
        text.strip() for text in page.locator(".claim-item__link").all_inner_texts()
    ]


@pytest.mark.parametrize("name", SEARCH_STATES)
def test_search_page_is_accessible_on_desktop_and_phone(open_tab, name):
    path, status = SEARCH_STATES[name]
    allow = ("status of 400",) if status != 200 else ()
    for viewport in (None, PHONE):
        tab = open_tab(viewport=PHONE) if viewport else open_tab()
        assert tab.goto(path).status == status
        assert tab.page.locator("h1").count() == 1
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= (375 if viewport else 1280), f"{path} scrolls sideways"
        violations = axe_violations(tab.page)
        assert not violations, f"{len(violations)} serious or critical axe violations"
        tab.assert_no_console_errors(allow=allow)


def test_reader_types_ordinary_words_and_finds_the_claims_first(tab):
    tab.goto("/")
    box = tab.page.get_by_label("Search claims and studies")
    box.fill("microdosing depression")
    box.press("Enter")
    tab.page.wait_for_url(re.compile(r"/search/\?q=microdosing\+depression"))
    assert claims_listed(tab.page)[0] == DEPRESSION
    # claims come before studies on the page
    claims = tab.page.locator("#claims-heading").bounding_box()
    studies = tab.page.locator("#studies-heading").bounding_box()
    assert claims["y"] < studies["y"]

    for query in ("5-HT₂A", "5HT2A", "serotonin 2A"):
        box = tab.page.get_by_label("Search claims and studies")
        box.fill(query)
        box.press("Enter")
        tab.page.wait_for_load_state()
        links = tab.page.locator(".claim-item__link")
        assert links.count() == 1, query
        assert links.first.get_attribute("href") == f"/claims/{RECEPTOR_SLUG}/"
    tab.assert_no_console_errors()


def test_no_study_says_dmn_so_the_search_page_leads_to_the_claims_studies(tab):
    tab.goto("/search/?q=DMN")
    assert claims_listed(tab.page) == [DMN]
    tab.page.get_by_role("link", name=re.compile("Studies on")).click()
    tab.page.wait_for_url(re.compile(r"/studies/\?claim="))
    assert tab.page.locator(".study-item").count() >= 1
    tab.assert_no_console_errors()


def test_a_misspelt_word_gets_a_suggestion_that_finds(tab):
    tab.goto("/search/?q=amygdla")
    assert claims_listed(tab.page) == []
    tab.page.get_by_role("link", name="amygdala").click()
    tab.page.wait_for_url(re.compile(r"/search/\?q=amygdala"))
    assert len(claims_listed(tab.page)) == 1
    tab.assert_no_console_errors()
