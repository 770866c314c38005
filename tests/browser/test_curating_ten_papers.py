"""A curator curates ten papers in Chromium, and an editor publishes them.

Import a RIS file of ten papers, then for each paper: link it to two claims,
grade it (GRADE domains) and submit it, in the study list's "Link to claims"
form; submit the studies; then an editor publishes the studies and the links.
Clicks and page loads are counted and printed (run with ``-s`` to see them).

Counting: a click is one mouse click, one choice in a drop-down, or one
ticked box; typing into a field is counted apart (fields typed). A page load
is a new document in the main frame, counted from the browser's own
navigation events, so a form that redirects counts the page it lands on.

``test_linking_one_paper_claim_by_claim`` measures the same work for one
paper without the multi-claim form (one link form per claim), for comparison.
"""

import pytest

from evidence.models import Evidence, Status
from studies.models import Study, StudyStatus
from tests.factories import (
    ClaimFactory,
    CuratorFactory,
    EditorFactory,
    StudyFactory,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
CLAIMS = [
    "Alpha compound lifts low mood",
    "Beta compound eases anxiety",
    "Gamma compound improves sleep",
]
PAPERS = 10


def ris_file(path, count=PAPERS):
    records = []
    for number in range(1, count + 1):
        records.append(
            "\n".join(
                [
                    "TY  - JOUR",
                    f"TI  - Trial {number} of a compound against low mood and anxiety",
                    f"AU  - Author{number}, Ann",
                    "AU  - Second, Sam",
                    f"PY  - {2010 + number}",
                    "JO  - Journal of Trials",
                    f"DO  - 10.5555/ten-papers.{number}",
                    "ER  - ",
                ]
            )
        )
    path.write_text("\n\n".join(records) + "\n", encoding="utf-8")
    return path


class Counted:
    """A tab whose clicks, typed fields and page loads are counted."""

    def __init__(self, tab):
        self.tab = tab
        self.page = tab.page
        self.clicks = 0
        self.typed = 0
        self.loads = 0
        self.page.on("framenavigated", self._navigated)
        # The browser asks for the icon after each page; on SQLite's shared
        # in-memory test database that request's session save, beside the
        # next one, can fail ("database table is locked"). Not this test's topic.
        self.page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    def _navigated(self, frame):
        # Counted when the new page commits: a "load" event can be skipped
        # when the next click comes before the page finished loading.
        if frame == self.page.main_frame:
            self.loads += 1

    def goto(self, path):
        """Opening an address (a bookmark): one page load, no click."""
        self.tab.goto(path)

    def click(self, selector):
        self.clicks += 1
        self.page.click(selector)

    def choose(self, selector, value):
        self.clicks += 1
        self.page.select_option(selector, value)

    def fill(self, selector, text):
        self.typed += 1
        self.page.fill(selector, text)

    def autocomplete(self, field, search, option_text):
        """Pick ``option_text`` in a select2 autocomplete: click, type, click."""
        # Each search's answer is awaited: a request still running when the
        # next starts would make two session saves at once (SESSION_SAVE_EVERY_
        # REQUEST), which SQLite refuses ("database table is locked").
        with self.page.expect_response(lambda r: "/admin/autocomplete/" in r.url):
            # The select2 box follows its <select> (a line may hold two fields).
            self.click(f"#id_{field} + .select2 .select2-selection")
        with self.page.expect_response(lambda response: "term=" in response.url):
            self.fill(".select2-container--open .select2-search__field", search)
        option = self.page.locator(
            ".select2-results__option", has_text=option_text
        ).first
        option.wait_for()
        self.clicks += 1
        option.click()

    def sign_in(self, username):
        self.goto("/admin/login/?next=/admin/")
        self.fill("#id_username", username)
        self.fill("#id_password", PASSWORD)
        self.click("input[type=submit]")

    def list_action(self, action):
        """Tick every row of a change list, pick ``action``, Go."""
        self.click("#action-toggle")
        self.choose("select[name=action]", action)
        self.click("button[name=index]")

    def figures(self):
        self.page.wait_for_load_state()  # delivers the last navigation's event
        return {
            "clicks": self.clicks,
            "fields typed": self.typed,
            "page loads": self.loads,
        }


def test_curating_ten_papers_with_the_multi_claim_form(tab, transactional_db, tmp_path):
    CuratorFactory(username="ten-curator")
    EditorFactory(username="ten-editor")
    claims = [ClaimFactory(statement=statement) for statement in CLAIMS]

    curator = Counted(tab)
    curator.sign_in("ten-curator")
    # Import: the study list's "Import citations", a preview, then confirm.
    curator.goto("/admin/studies/study/")
    curator.click("text=Import citations")
    curator.clicks += 1  # choosing the file in the browser's file picker
    curator.page.set_input_files("#id_file", str(ris_file(tmp_path / "ten.ris")))
    curator.click("input[value=Upload]")
    curator.click(f"input[value='Import these {PAPERS} records']")
    curator.page.wait_for_selector("text=Import report")
    assert Study.objects.filter(status=StudyStatus.DRAFT).count() == PAPERS

    # Each paper: from the list of my drafts, "Link to claims", two claims,
    # the grading, "in review", save; the form comes back to the list.
    curator.goto("/admin/studies/study/?status__exact=draft&mine=1")
    before_linking = curator.figures()
    for number in range(PAPERS):
        first, second = claims[number % 3], claims[(number + 1) % 3]
        curator.click(
            f"#result_list tbody tr:nth-child({number + 1}) >> text=Link to claims"
        )
        curator.autocomplete("claims", first.statement.split()[0], first.statement)
        curator.autocomplete("claims", second.statement.split()[0], second.statement)
        curator.choose("#id_evidence_type", "controlled")
        curator.choose("#id_direction", "supports")
        curator.fill(
            "#id_finding", f"Paper {number + 1}: symptoms fell more than on placebo."
        )
        curator.choose("#id_risk_of_bias", "serious")
        curator.choose("#id_imprecision", "not_serious")
        curator.click("#id_status_1")  # in review
        curator.click("input[value='Make these links']")
        curator.page.wait_for_selector("#result_list")
    assert Evidence.objects.filter(status=Status.IN_REVIEW).count() == 2 * PAPERS
    linking = curator.figures()
    per_paper = {
        name: (linking[name] - before_linking[name]) / PAPERS for name in linking
    }
    # The form and the list it returns to: two pages a paper, and the clicks
    # of one form (see test_linking_one_paper_claim_by_claim for the old way).
    assert per_paper == {"clicks": 11, "fields typed": 3, "page loads": 2}, per_paper
    # The studies themselves go to review with the list's action.
    curator.list_action("submit_for_review")
    curator.page.wait_for_selector(".messagelist")
    assert Study.objects.filter(status=StudyStatus.IN_REVIEW).count() == PAPERS
    tab.assert_no_console_errors()
    curated = curator.figures()

    # The editor publishes the studies, then the links, each with one action.
    tab.page.wait_for_load_state("networkidle")  # the curator's last requests end
    tab.page.context.clear_cookies()
    editor = Counted(tab)
    editor.sign_in("ten-editor")
    editor.goto("/admin/studies/study/?status__exact=in_review")
    editor.list_action("publish")
    editor.click("input[value=Publish]")
    editor.goto("/admin/evidence/evidence/?status__exact=in_review")
    editor.list_action("publish")
    editor.click("input[value=Publish]")
    editor.page.wait_for_selector(".messagelist")
    assert Study.objects.filter(status=StudyStatus.PUBLISHED).count() == PAPERS
    assert Evidence.objects.filter(status=Status.PUBLISHED).count() == 2 * PAPERS
    published = editor.figures()

    print(f"\nPer paper, linking to two claims with the new form: {per_paper}")
    print(f"Ten papers, curator (import, link, grade, submit): {curated}")
    print(f"Ten papers, editor (publish studies and links): {published}")


def test_linking_one_paper_claim_by_claim(tab, transactional_db):
    """The same linking without the multi-claim form: one link form per claim."""
    CuratorFactory(username="one-curator")
    claims = [ClaimFactory(statement=statement) for statement in CLAIMS[:2]]
    study = StudyFactory(title="Trial 1 of a compound against low mood")

    curator = Counted(tab)
    curator.sign_in("one-curator")
    curator.goto("/admin/evidence/evidence/")
    before = curator.figures()
    for claim in claims:
        curator.click(".object-tools a.addlink")
        curator.autocomplete("claim", claim.statement.split()[0], claim.statement)
        curator.autocomplete("study", "Trial", study.title)
        curator.choose("#id_evidence_type", "controlled")
        curator.choose("#id_direction", "supports")
        curator.choose("#id_status", "in_review")
        curator.fill("#id_finding", "Symptoms fell more than on placebo.")
        curator.choose("#id_risk_of_bias", "serious")
        curator.choose("#id_imprecision", "not_serious")
        curator.click("input[name=_save]")
        curator.page.wait_for_selector("#result_list")
    assert Evidence.objects.filter(study=study, status=Status.IN_REVIEW).count() == 2
    after = curator.figures()
    per_paper = {name: after[name] - before[name] for name in after}
    print(f"\nOne paper, two claims, one link form per claim: {per_paper}")
    # Twice the clicks and page loads of the multi-claim form's 11 and 2.
    assert per_paper == {"clicks": 22, "fields typed": 6, "page loads": 4}, per_paper
    tab.assert_no_console_errors()
