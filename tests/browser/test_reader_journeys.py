"""Readers' journeys through the pages in headless Chromium, on the seed data."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from evidence.filters import ClaimFilterSet
from evidence.models import Claim, Evidence
from studies.models import Study
from tests.browser.conftest import PHONE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

# A claim of the seed data set whose evidence is contested: trials mostly find
# against it.
DEPRESSION_CLAIM = "microdosing-psilocybin-reduces-depression-and-anxiety"


def claim_url(slug=DEPRESSION_CLAIM):
    return f"/claims/{slug}/"


def first_study_url():
    return Study.objects.for_list().first().get_absolute_url()


PAGES = {
    "home": lambda: "/",
    "claims": lambda: "/claims/",
    "claims filtered": lambda: (
        "/claims/?evidence_type=controlled&direction=contradicts"
    ),
    "claims with a bad filter": lambda: "/claims/?evidence_type=bogus",
    "claim": claim_url,
    "claim with a forest plot": lambda: claim_url(
        "full-dose-psilocybin-therapy-reduces-depression"
    ),
    "claim filtered": lambda: claim_url() + "?evidence_type=controlled&year_min=abc",
    "studies": lambda: "/studies/",
    "study": first_study_url,
    "methods": lambda: "/methods/",
    "search": lambda: "/search/?q=" + Claim.objects.published().first().topic,
    "search without a match": lambda: "/search/?q=zzzqqq",
    "claim version": lambda: claim_url() + "v/1/",
    "report a problem": lambda: "/report/claim/" + DEPRESSION_CLAIM + "/",
    "releases": lambda: "/releases/",
    "not found": lambda: "/no-such-page/",
}
STATUS = {"claims with a bad filter": 400, "claim filtered": 400, "not found": 404}


def listed_claims(page):
    return [
        text.strip() for text in page.locator(".claim-item__link").all_inner_texts()
    ]


def query_of(url):
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_accessibly_on_desktop_and_phone(open_tab, name):
    path = PAGES[name]()
    expected_status = STATUS.get(name, 200)
    allow = ("status of 400", "status of 404")

    desktop = open_tab()
    response = desktop.goto(path)
    assert response.status == expected_status
    assert desktop.page.locator("h1").count() == 1
    assert desktop.page.get_by_role("navigation", name="Main").is_visible()
    assert (
        desktop.page.get_by_role("contentinfo")
        .get_by_text("Not medical advice.")
        .is_visible()
    )
    violations = axe_violations(desktop.page)
    assert not violations, f"{len(violations)} serious or critical axe violations"
    desktop.assert_no_console_errors(allow=allow if expected_status != 200 else ())

    phone = open_tab(viewport=PHONE)
    phone.goto(path)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} scrolls sideways on a phone ({width}px wide)"
    assert not axe_violations(phone.page)
    phone.assert_no_console_errors(allow=allow if expected_status != 200 else ())


def test_first_tab_reaches_the_skip_link_which_moves_to_the_content(tab):
    tab.goto("/claims/")
    tab.page.keyboard.press("Tab")
    focused = tab.page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_reader_filters_claims_through_the_form(open_tab, javascript):
    tab = open_tab(javascript=javascript)
    tab.goto("/claims/")
    everything = listed_claims(tab.page)
    assert len(everything) == Claim.objects.published().count()

    form = tab.page.locator("form.filters")
    form.get_by_role("group", name="Evidence type").get_by_label("Controlled").check()
    form.get_by_role("group", name="Direction").get_by_label("Contradicts").check()
    if javascript:  # each choice applies itself
        tab.page.wait_for_url(re.compile(r"direction=contradicts"))
    else:
        form.get_by_role("button", name="Apply filters").click()
        tab.page.wait_for_load_state()

    query = query_of(tab.page.url)
    assert query["evidence_type"] == ["controlled"]
    assert query["direction"] == ["contradicts"]
    expected = ClaimFilterSet(
        {"evidence_type": ["controlled"], "direction": ["contradicts"]},
        queryset=Claim.objects.published(),
    ).qs
    assert listed_claims(tab.page) == [claim.statement for claim in expected]
    assert 0 < len(expected) < len(everything)
    count = len(expected)
    assert (
        tab.page.locator(".result-count")
        .inner_text()
        .startswith(f"{count} claim{'s' if count != 1 else ''}")
    )
    if javascript:  # the last box ticked keeps the focus after the reload
        assert tab.page.evaluate("document.activeElement.value") == "contradicts"

    # each active filter can be removed on its own
    tab.page.get_by_role("link", name=re.compile("Direction: Contradicts")).click()
    assert query_of(tab.page.url) == {"evidence_type": ["controlled"]}
    tab.assert_no_console_errors()


def test_reader_searches_from_the_home_page(tab):
    tab.goto("/")
    tab.page.get_by_label("Search claims and studies").fill("creativity")
    tab.page.get_by_role("button", name="Search").click()
    tab.page.wait_for_url(re.compile(r"/search/\?q=creativity"))
    expected = [
        claim.statement for claim in Claim.objects.published().search("creativity")
    ]
    assert expected and listed_claims(tab.page) == expected
    tab.page.get_by_label("Search claims and studies").fill("no such words anywhere")
    tab.page.get_by_label("Search claims and studies").press("Enter")
    tab.page.wait_for_url(re.compile(r"q=no\+such"))
    assert listed_claims(tab.page) == []
    assert tab.page.get_by_text("Nothing matches all the words").is_visible()
    tab.assert_no_console_errors()


def test_reader_follows_a_claim_to_its_studies_and_their_sources(tab):
    claim = Claim.objects.get(slug=DEPRESSION_CLAIM)
    tab.goto("/")
    tab.page.get_by_role("link", name=claim.statement).click()
    assert tab.page.locator("h1").inner_text() == claim.statement
    assert (
        tab.page.locator(".verdict-panel .verdict__direction").inner_text()
        == "Verdict: against"
    )
    assert tab.page.locator(".verdict-panel .verdict-text").inner_text() == (
        f"{claim.verdict_text}."
    )
    tab.page.locator(".verdict-panel .verdict__direction").click()
    assert tab.page.url.endswith("/methods/#direction-against")
    assert tab.page.locator("#direction-against").is_visible()
    tab.page.go_back()
    for reason in claim.profile.reasons:
        assert tab.page.get_by_text(reason).is_visible()

    first = tab.page.locator(".evidence-group--supports .evidence-item").first
    title = first.locator(".citation__title").inner_text()
    study = Study.objects.get(title=title)
    if study.doi:
        assert (
            first.get_by_role("link", name=re.compile("^DOI")).get_attribute("href")
            == f"https://doi.org/{study.doi}"
        )
    first.get_by_role("link", name=re.compile("^Study details")).click()
    assert tab.page.locator("h1").inner_text() == study.title
    assert tab.page.get_by_text("@article{").is_visible() or not study.journal
    tab.page.get_by_role("link", name=claim.statement).click()
    assert tab.page.url.endswith(claim.get_absolute_url())
    tab.assert_no_console_errors()


def test_three_clicks_from_home_to_controlled_human_studies_contradicting_a_claim(
    open_tab,
):
    """The journey issue 4 is done by: home → claim → controlled contradictions
    → studies in people, in three clicks, on a URL that can be shared."""
    claim = Claim.objects.get(slug=DEPRESSION_CLAIM)
    tab = open_tab()
    tab.goto("/")
    tab.page.get_by_role("link", name=claim.statement).click()  # 1
    tab.page.get_by_role(
        "link", name=re.compile("controlled, contradicts: show them")
    ).click()  # 2
    tab.page.get_by_role("link", name="Studies in people only").click()  # 3

    shared_url = tab.page.url
    assert query_of(shared_url) == {
        "evidence_type": ["controlled"],
        "direction": ["contradicts"],
        "population": ["clinical", "healthy"],
    }
    expected = sorted(
        Evidence.objects.published()
        .filter(
            claim=claim,
            evidence_type="controlled",
            direction="contradicts",
            study__population__in=["clinical", "healthy"],
        )
        .values_list("study__title", flat=True)
    )
    assert expected, "the seed data set has controlled human contradictions"

    def shown(page):
        assert page.locator(".evidence-group").count() == 1
        group = page.locator(".evidence-group--contradicts")
        return sorted(group.locator(".citation__title").all_inner_texts())

    assert shown(tab.page) == expected
    checked = tab.page.locator("form.filters input:checked")
    assert sorted(checked.evaluate_all("boxes => boxes.map(b => b.value)")) == [
        "clinical",
        "contradicts",
        "controlled",
        "healthy",
    ]

    # Someone else opening the shared link sees the same view.
    other = open_tab(viewport=PHONE)
    other.page.goto(shared_url)
    assert shown(other.page) == expected
    tab.assert_no_console_errors()
    other.assert_no_console_errors()


def test_reader_narrows_a_claims_evidence_to_recent_years_with_a_clean_url(tab):
    tab.goto(claim_url())
    form = tab.page.locator("form.filters")
    form.get_by_label("From year").fill("2021")
    form.get_by_label("Order by").select_option(label="Newest first")
    form.get_by_role("button", name="Apply filters").click()
    tab.page.wait_for_url(re.compile(r"year_min=2021"))
    # empty fields are left out of the shareable URL
    assert query_of(tab.page.url) == {"year_min": ["2021"], "ordering": ["-year"]}
    years = [
        int(year)
        for year in tab.page.locator(
            ".evidence-item .facts dt:text-is('Year') + dd"
        ).all_inner_texts()
    ]
    expected = Evidence.objects.published().filter(
        claim__slug=DEPRESSION_CLAIM, study__year__gte=2021
    )
    assert years and min(years) >= 2021
    for group in tab.page.locator(".evidence-group").all():  # newest first
        shown = group.locator(".facts dt:text-is('Year') + dd").all_inner_texts()
        assert shown == sorted(shown, reverse=True)
    assert len(tab.page.locator(".evidence-item").all()) == expected.count()
    tab.assert_no_console_errors()


def test_forest_plot_text_is_at_least_12_px_on_a_phone(open_tab):
    phone = open_tab(viewport=PHONE)
    phone.goto(claim_url("full-dose-psilocybin-therapy-reduces-depression"))
    svg = phone.page.locator(".forest__svg")
    assert svg.count() == 1
    # The smallest rendered text of the drawing, in CSS pixels.
    smallest = phone.page.evaluate(
        """() => {
            const svg = document.querySelector('.forest__svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const sizes = [...svg.querySelectorAll('text')].map(
                (text) => parseFloat(getComputedStyle(text).fontSize) * scale
            );
            return Math.min(...sizes);
        }"""
    )
    assert smallest >= 12, f"forest plot text {smallest:.1f}px on a phone"
    download = phone.page.get_by_role("link", name="Download the plot (SVG)")
    assert download.get_attribute("href").endswith("/forest/md.svg")
