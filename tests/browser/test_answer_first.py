"""The answer first, and links that land where their result is, in headless
Chromium on the seed data (desktop and a 375 px phone)."""

import re

import pytest

from evidence.answer import best_evidence
from evidence.models import Claim
from tests.browser.conftest import DESKTOP, PHONE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def contested_claim():
    """The seed's claim that trials find against while most of its links
    support it: the case where the answer must not be buried."""
    claim = (
        Claim.objects.published()
        .filter(verdict_direction="against")
        .order_by("-evidence_count")
        .first()
    )
    assert claim is not None, "the seed data set has a claim trials find against"
    return claim


def in_first_screen(locator, viewport):
    box = locator.bounding_box()
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
    )


def wait_until_landed(page, selector):
    """Wait for the (smooth) scroll to the fragment to end at ``selector``."""
    page.wait_for_function(
        """(selector) => {
            const top = document.querySelector(selector).getBoundingClientRect().top;
            return Math.abs(top) < 40;
        }""",
        arg=selector,
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_one_click_from_home_to_the_verdict_and_its_trials_in_the_first_screen(
    open_tab, viewport
):
    claim = contested_claim()
    best = best_evidence(claim)
    assert best[0].evidence_type == "controlled"
    size = VIEWPORTS[viewport]
    tab = open_tab(viewport=size)
    tab.goto("/")
    link = tab.page.get_by_role("link", name=claim.statement)
    assert in_first_screen(link, size), "the claim is below the home's first screen"
    link.click()  # the one click
    tab.page.wait_for_url(re.compile(re.escape(claim.get_absolute_url()) + "$"))
    verdict = tab.page.locator(".verdict-panel .verdict-text")
    assert verdict.inner_text() == f"{claim.verdict_text}."
    assert in_first_screen(verdict, size)
    first = tab.page.locator(".best-item").first
    assert best[0].study.citation_short in first.inner_text()
    assert "Controlled" in first.inner_text()
    assert in_first_screen(first, size), "the best trial is below the first screen"
    tab.assert_no_console_errors()


def test_the_home_page_names_its_subject_above_the_fold_on_a_phone(open_tab):
    from sitecontent.models import SiteIntro

    intro = SiteIntro.current()
    phone = open_tab(viewport=PHONE)
    phone.goto("/")
    assert phone.page.locator("h1").inner_text() == intro.subject
    lead = phone.page.locator(".intro .lead")
    assert lead.inner_text() == intro.intro
    assert in_first_screen(lead, PHONE)


def test_related_claims_link_both_ways(tab):
    claim = contested_claim()
    related = claim.related_claims.published().first()
    assert related is not None, "the seed relates the claim to another"
    tab.goto(claim.get_absolute_url())
    tab.page.get_by_role("link", name=related.statement).click()
    assert tab.page.locator("h1").inner_text() == related.statement
    assert tab.page.get_by_role("link", name=claim.statement).is_visible()


def test_back_and_forward_keep_the_form_in_step_with_the_url(tab):
    claim = contested_claim()
    tab.goto(claim.get_absolute_url())
    form = tab.page.locator("form.filters")
    box = form.get_by_role("group", name="Evidence type").get_by_label("Controlled")
    box.check()  # applies itself
    tab.page.wait_for_url(re.compile(r"evidence_type=controlled.*#evidence$"))
    assert box.is_checked()
    # Landing on #evidence leaves the keyboard focus on the box just ticked.
    tab.page.wait_for_load_state("load")
    tab.page.wait_for_function("document.activeElement.value === 'controlled'")
    tab.page.go_back()
    tab.page.wait_for_url(re.compile(re.escape(claim.get_absolute_url()) + "$"))
    assert not form.locator("input:checked").count()
    assert (
        tab.page.locator(".result-count")
        .inner_text()
        .startswith(f"{claim.evidence_count} published")
    )
    tab.page.go_forward()
    tab.page.wait_for_url(re.compile(r"evidence_type=controlled"))
    assert box.is_checked()
    tab.assert_no_console_errors()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_shared_filtered_link_opens_at_the_evidence(open_tab, viewport):
    claim = contested_claim()
    size = VIEWPORTS[viewport]
    tab = open_tab(viewport=size)
    tab.goto(f"{claim.get_absolute_url()}?evidence_type=controlled#evidence")
    wait_until_landed(tab.page, "#evidence")
    first = tab.page.locator(".evidence-item").first
    box = first.bounding_box()
    # The first item starts on the first screen (on a phone the filters fold).
    assert box["y"] < size["height"], f"first evidence item {box['y']:.0f}px down"


def test_a_filtered_link_shared_without_its_fragment_opens_at_the_evidence(open_tab):
    claim = contested_claim()
    tab = open_tab(viewport=PHONE)
    tab.goto(f"{claim.get_absolute_url()}?direction=contradicts")
    wait_until_landed(tab.page, "#evidence")
    # An unknown parameter is not a filter: the page opens at its top.
    tab.goto(f"{claim.get_absolute_url()}?utm_source=newsletter")
    assert tab.page.evaluate("window.scrollY") == 0


def test_profile_counts_and_quick_filters_land_at_the_evidence(tab):
    claim = contested_claim()
    tab.goto(claim.get_absolute_url())
    tab.page.get_by_role(
        "link", name=re.compile("controlled, contradicts: show them")
    ).click()
    tab.page.wait_for_url(re.compile(r"#evidence$"))
    wait_until_landed(tab.page, "#evidence")
    tab.page.get_by_role("link", name="Studies in people only").click()
    tab.page.wait_for_url(re.compile(r"population=.*#evidence$"))
    wait_until_landed(tab.page, "#evidence")
    tab.assert_no_console_errors()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_bad_filter_shows_its_error_at_the_top_of_the_form(open_tab, viewport):
    claim = contested_claim()
    size = VIEWPORTS[viewport]
    tab = open_tab(viewport=size)
    response = tab.goto(f"{claim.get_absolute_url()}?year_min=abc#evidence")
    assert response.status == 400
    wait_until_landed(tab.page, "#evidence")
    alert = tab.page.locator("form.filters [role=alert]")
    assert alert.is_visible()
    assert in_first_screen(alert, size)


def test_a_reader_reports_a_problem_without_an_account(tab):
    claim = contested_claim()
    tab.goto(claim.get_absolute_url())
    tab.page.get_by_role("link", name="Report a problem with this claim").click()
    tab.page.get_by_label("What is wrong or missing?").fill("short")
    tab.page.get_by_role("button", name="Send the report").click()
    assert tab.page.get_by_text("Your report was not sent.").is_visible()
    assert tab.page.get_by_text("at least 10 characters").is_visible()
    assert not axe_violations(tab.page)
    tab.page.get_by_label("What is wrong or missing?").fill(
        "A finding seems to misread its study's main outcome."
    )
    tab.page.get_by_role("button", name="Send the report").click()
    assert tab.page.locator("h1").inner_text() == "Thank you"
    tab.page.get_by_role("link", name="Back to the page you reported").click()
    assert tab.page.locator("h1").inner_text() == claim.statement
    tab.assert_no_console_errors(allow=("status of 400",))


def test_claim_and_study_pages_print_their_content_without_navigation(tab):
    claim = contested_claim()
    study = best_evidence(claim)[0].study
    tab.page.emulate_media(media="print")
    for path in (claim.get_absolute_url(), study.get_absolute_url()):
        tab.goto(path)
        assert tab.page.locator("h1").is_visible()
        for hidden in (
            ".site-header",
            ".site-footer",
            "form.filters",
            ".report-problem",
        ):
            assert not tab.page.locator(hidden).is_visible(), f"{hidden} prints"
    tab.goto(claim.get_absolute_url())
    assert tab.page.locator(".best-item").first.is_visible()
    assert tab.page.locator(".evidence-item").first.is_visible()
    pdf = tab.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


PAGES = {
    "home": lambda claim: "/",
    "claim": lambda claim: claim.get_absolute_url(),
    "claim with a bad filter": lambda claim: (
        claim.get_absolute_url() + "?year_min=abc#evidence"
    ),
    "claims list with a bad filter": lambda claim: (
        "/claims/?year_min=x&evidence_type=bogus"
    ),
    "claim filtered on a phone's folded form": lambda claim: (
        claim.get_absolute_url() + "?evidence_type=controlled#evidence"
    ),
    "report form": lambda claim: f"/report/claim/{claim.slug}/",
    "thank-you page": lambda claim: f"/report/thanks/?back={claim.get_absolute_url()}",
}


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_changed_pages_are_accessible_and_do_not_scroll_sideways(
    open_tab, name, viewport
):
    size = VIEWPORTS[viewport]
    tab = open_tab(viewport=size)
    tab.goto(PAGES[name](contested_claim()))
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{name} is {width}px wide"
    assert not axe_violations(tab.page)
