"""A study page and the evidence-over-time chart in headless Chromium, on the
seed data: accessible, readable on a phone, and with no hidden marks."""

import pytest

from evidence.models import Evidence
from tests.browser.conftest import DESKTOP, PHONE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

DEPRESSION_CLAIM = "/claims/microdosing-psilocybin-reduces-depression-and-anxiety/"
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def graded_study_url():
    """A study whose link records an effect size (the fullest study page)."""
    link = (
        Evidence.objects.published()
        .exclude(effect_measure="")
        .select_related("study")
        .order_by("id")
        .first()
    )
    return link.study.get_absolute_url()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_study_page_has_substance_and_is_accessible(open_tab, viewport):
    tab = open_tab(viewport=viewport)
    assert tab.goto(graded_study_url()).status == 200
    page = tab.page
    assert page.locator(".grade-judgement").count() >= 5
    assert page.get_by_text("Risk of bias", exact=True).first.is_visible()
    assert page.locator(".study-claim__effect dt", has_text="Effect").count() >= 1
    assert page.locator(".study-claim__verdict .verdict").count() >= 1
    apa = page.locator(".cite-apa").inner_text()
    assert "et al., et al." not in apa and "n.d.." not in apa
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the study page is {width}px wide"
    assert not axe_violations(page, impacts=ALL_IMPACTS)
    tab.assert_no_console_errors()


def test_study_page_downloads_citation_files(tab):
    tab.goto(graded_study_url())
    for name, content_type, start in (
        ("BibTeX (.bib)", "application/x-bibtex", "@article{"),
        ("RIS (.ris)", "application/x-research-info-systems", "TY  - "),
    ):
        link = tab.page.get_by_role("link", name=name)
        with tab.page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename.endswith(name[-5:-1])
        response = tab.page.request.get(tab.base_url + link.get_attribute("href"))
        assert response.headers["content-type"].startswith(content_type)
        assert response.text().startswith(start)


def visible_chart(page):
    """Facts about the drawing the reader sees (one of two, by screen width)."""
    return page.evaluate(
        """() => {
            const svg = [...document.querySelectorAll('.timeline__svg')]
                .find((element) => element.getBoundingClientRect().width > 0);
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const texts = [...svg.querySelectorAll('text')];
            const marks = [...svg.querySelectorAll('.timeline__mark')].map((mark) => ({
                x: +mark.dataset.x, y: +mark.dataset.y, extent: +mark.dataset.extent,
                element: mark,
            }));
            const hidden = marks.filter((mark) => {
                // The point at the mark's centre must show the mark itself.
                mark.element.scrollIntoView({block: 'center'});
                const frame = svg.getBoundingClientRect();
                const x = frame.left + mark.x * scale;
                const y = frame.top + mark.y * scale;
                return document.elementFromPoint(x, y) !== mark.element;
            }).length;
            let overlapping = 0;
            marks.forEach((a, i) => marks.slice(i + 1).forEach((b) => {
                if (Math.hypot(a.x - b.x, a.y - b.y) < a.extent + b.extent) overlapping++;
            }));
            return {
                smallestText: Math.min(...texts.map(
                    (text) => parseFloat(getComputedStyle(text).fontSize) * scale)),
                marks: marks.length,
                hidden, overlapping,
                focusable: svg.querySelectorAll('a, [tabindex], button, input').length,
                undatedOnAxis: [...svg.querySelectorAll('.timeline__tick')]
                    .filter((t) => t.textContent.trim() === 'n.d.').length,
                sizeLegend: svg.querySelectorAll('.timeline__legend-mark').length,
            };
        }"""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_evidence_chart_is_readable_with_no_hidden_marks_and_no_tab_stops(
    open_tab, viewport
):
    tab = open_tab(viewport=viewport)
    tab.goto(DEPRESSION_CLAIM)
    tab.page.locator("figure.timeline").scroll_into_view_if_needed()
    chart = visible_chart(tab.page)
    assert chart["marks"] >= 10
    assert chart["smallestText"] >= 12, f"chart text {chart['smallestText']:.1f}px"
    assert chart["overlapping"] == 0
    assert chart["hidden"] == 0, f"{chart['hidden']} marks hidden under others"
    assert chart["focusable"] == 0
    assert chart["undatedOnAxis"] == 0
    assert chart["sizeLegend"] == 4
    # Tabbing through the page never stops on the drawing.
    page = tab.page
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        assert page.evaluate("() => !document.activeElement.closest('.timeline__svg')")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    assert not axe_violations(page)
