"""Effect sizes on evidence links and each claim's meta-analyses, over HTTP."""

import csv
import datetime
import io
import math

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.effects import EFFECT_NUMBER_FIELDS, effect_field_errors, link_effect
from evidence.meta_analysis import effect_md, effect_reported, meta_analysis_reml
from evidence.models import Claim, Evidence, Status
from evidence.synthesis import claim_meta_analyses
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import field_errors, queries_per_request

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
EVIDENCE = "/api/v1/evidence/"

ARMS = {
    "effect_measure": "md",
    "outcome": "Depression severity (MADRS)",
    "comparator": "placebo",
    "timepoint": "week 3",
    "mean_treatment": -12.0,
    "sd_treatment": 8.0,
    "n_treatment": 40,
    "mean_control": -6.0,
    "sd_control": 9.0,
    "n_control": 42,
}
REPORTED = {
    "effect_measure": "md",
    "outcome": "Depression severity (MADRS)",
    "reported_estimate": -6.6,
    "reported_ci_low": -10.2,
    "reported_ci_high": -2.9,
}


def link_with(claim=None, **effect):
    return EvidenceFactory(claim=claim or ClaimFactory(), **effect)


def new_link_data(**effect):
    return {
        "claim": ClaimFactory().slug,
        "study": StudyFactory().pk,
        "evidence_type": "controlled",
        "direction": "supports",
        "finding": "The treated arm improved more.",
        **effect,
    }


# --- One link's effect ----------------------------------------------------------


def test_a_link_created_with_arm_data_reads_back_its_mean_difference(curator_api):
    response = curator_api.post(EVIDENCE, new_link_data(**ARMS), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    expected = effect_md(
        **{
            name: ARMS[name]
            for name in (
                "mean_treatment",
                "sd_treatment",
                "n_treatment",
                "mean_control",
                "sd_control",
                "n_control",
            )
        }
    )
    assert body["effect"]["measure"] == "md"
    assert body["effect"]["estimate"] == pytest.approx(-6.0)
    assert body["effect"]["se"] == pytest.approx(expected.se)
    assert body["effect"]["ci_low"] == pytest.approx(-6.0 - 1.959964 * expected.se)
    assert body["outcome"] == "Depression severity (MADRS)"
    assert body["n_control"] == 42
    # The list (served from rows) says the same as the item.
    listed = curator_api.get(f"{EVIDENCE}?claim={body['claim']}").json()["results"]
    assert listed[0]["effect"] == body["effect"]


def test_a_reported_estimate_gives_its_standard_error_from_the_ci(api_client):
    link = link_with(**REPORTED)
    body = api_client.get(f"{EVIDENCE}{link.pk}/").json()
    assert body["effect"]["estimate"] == pytest.approx(-6.6)
    assert body["effect"]["se"] == pytest.approx((-2.9 + 10.2) / 3.92)


def test_a_link_without_an_effect_reads_null(api_client):
    link = EvidenceFactory()
    assert api_client.get(f"{EVIDENCE}{link.pk}/").json()["effect"] is None


def test_hedges_g_and_log_ratios_come_from_arm_data(api_client):
    smd = link_with(
        effect_measure="smd",
        mean_treatment=10,
        sd_treatment=2,
        n_treatment=20,
        mean_control=8,
        sd_control=2,
        n_control=20,
    )
    rr = link_with(
        effect_measure="log_rr",
        events_treatment=0,
        n_treatment=10,
        events_control=5,
        n_control=10,
    )
    # g = J(38) × 1.0, J = 1 − 3 / (4 × 38 − 1) to 4 decimals.
    assert smd.effect.estimate == pytest.approx(0.9801, abs=1e-4)
    # A zero cell: 0.5 is added to every cell → log((0.5/11) / (5.5/11)).
    assert rr.effect.estimate == pytest.approx(math.log(0.5 / 5.5))
    body = api_client.get(f"{EVIDENCE}{rr.pk}/").json()
    assert body["effect"]["measure"] == "log_rr"


BAD_INPUT = [
    (
        {**REPORTED, "reported_estimate": -12.0},
        "reported_estimate",
        "must contain the estimate",
    ),
    (
        {**REPORTED, "reported_ci_low": -1.0, "reported_ci_high": -3.0},
        "reported_ci_low",
        "lower bound must be below",
    ),
    ({**ARMS, "sd_control": -1.0}, "sd_control", "cannot be negative"),
    (
        {
            "effect_measure": "log_rr",
            "events_treatment": 12,
            "n_treatment": 10,
            "events_control": 1,
            "n_control": 10,
        },
        "events_treatment",
        "cannot exceed",
    ),
    ({**ARMS, "n_treatment": 1}, "n_treatment", "at least 2"),
    (
        {**ARMS, "effect_measure": "log_rr"},
        "mean_treatment",
        "belongs to the other kind",
    ),
    (
        {
            "effect_measure": "smd",
            "events_treatment": 3,
            "n_treatment": 10,
            "events_control": 1,
            "n_control": 10,
        },
        "events_treatment",
        "belongs to the other kind",
    ),
    ({"effect_measure": "smd"}, "effect_measure", "Give the arm data"),
    (
        {"effect_measure": "md", "mean_treatment": 3.0, "sd_treatment": 1.0},
        "mean_control",
        "Required with the other arm data",
    ),
    (
        {"effect_measure": "md", "reported_estimate": 1.0},
        "reported_ci_low",
        "both bounds",
    ),
    ({"reported_estimate": 1.0}, "effect_measure", "Choose the effect measure"),
    ({**ARMS, **REPORTED}, "reported_estimate", "not both"),
    ({"effect_measure": "hedges"}, "effect_measure", "not a valid choice"),
    (
        {**REPORTED, "reported_ci_low": -1e308, "reported_ci_high": 1e308},
        "effect_measure",
        "no usable effect",
    ),
    (
        {**ARMS, "mean_treatment": 1e308, "mean_control": -1e308},
        "effect_measure",
        "no usable effect",
    ),
]


@pytest.mark.parametrize(("effect", "field", "message"), BAD_INPUT)
def test_bad_effect_input_is_refused_with_a_field_error(
    curator_api, effect, field, message
):
    response = curator_api.post(EVIDENCE, new_link_data(**effect), format="json")
    assert response.status_code == 400, response.json()
    assert message in str(field_errors(response)[field])
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(("effect", "field", "message"), BAD_INPUT[:6])
def test_bad_effect_input_in_a_change_changes_nothing(
    curator_api, effect, field, message
):
    link = link_with(status=Status.DRAFT, **REPORTED)
    before = Evidence.objects.filter(pk=link.pk).values().get()
    changes = {name: value for name, value in effect.items()}
    if "mean_treatment" in changes or "events_treatment" in changes:
        changes.update(
            reported_estimate=None, reported_ci_low=None, reported_ci_high=None
        )
    response = curator_api.patch(f"{EVIDENCE}{link.pk}/", changes, format="json")
    assert response.status_code == 400, response.json()
    assert message in str(field_errors(response)[field])
    assert Evidence.objects.filter(pk=link.pk).values().get() == before


def test_the_database_refuses_an_effect_that_skips_validation():
    link = EvidenceFactory()
    for values in (
        {
            "effect_measure": "md",
            "reported_estimate": 5.0,
            "reported_ci_low": -1.0,
            "reported_ci_high": 1.0,
        },  # fmt: skip
        {"effect_measure": "md", "sd_treatment": -1.0},
        {"effect_measure": "", "n_treatment": 12},
        {"effect_measure": "log_or", "events_treatment": 12, "n_treatment": 10},
        {"effect_measure": "log_or", "mean_treatment": 1.0},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Evidence.objects.filter(pk=link.pk).update(**values)


# --- Meta-analyses ----------------------------------------------------------------


def two_trials(claim=None):
    claim = claim or ClaimFactory(effect_favours_claim="lower")
    first = link_with(claim, **REPORTED)
    second = link_with(
        claim,
        effect_measure="md",
        outcome="Depression severity (MADRS)",
        reported_estimate=-12.3,
        reported_ci_low=-17.5,
        reported_ci_high=-7.2,
    )
    return claim, first, second


def test_two_counted_links_on_one_measure_give_a_meta_analysis(api_client):
    claim, first, second = two_trials()
    expected = meta_analysis_reml(
        [
            effect_reported(measure="md", estimate=-6.6, ci_low=-10.2, ci_high=-2.9),
            effect_reported(measure="md", estimate=-12.3, ci_low=-17.5, ci_high=-7.2),
        ]
    )
    body = api_client.get(f"{CLAIMS}{claim.slug}/").json()
    assert body["effect_favours_claim"] == "lower"
    [analysis] = body["meta_analyses"]
    assert analysis["measure"] == "md"
    assert analysis["k"] == 2
    assert analysis["method"] == "REML"
    for name in ("estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "q_p"):
        assert analysis[name] == pytest.approx(getattr(expected, name)), name
    assert analysis["prediction_low"] == pytest.approx(expected.prediction_low)
    assert analysis["q_df"] == 1
    # The factory's studies have 40 participants each; no arms' n was given.
    assert analysis["participants"] == 80
    assert [link["id"] for link in analysis["links"]] == [first.pk, second.pk]
    assert sum(link["weight"] for link in analysis["links"]) == pytest.approx(100)
    listed = api_client.get(CLAIMS).json()["results"][0]
    assert listed["meta_analyses"] == body["meta_analyses"]
    [typed] = claim_meta_analyses(claim_id=claim.pk)
    assert typed.estimate == pytest.approx(expected.estimate)


def test_uncounted_links_and_lone_measures_are_not_pooled(api_client):
    claim, first, second = two_trials()
    link_with(claim, effect_measure="smd", reported_estimate=0.5, reported_ci_low=0.1, reported_ci_high=0.9)  # fmt: skip
    assert [a["measure"] for a in Claim.objects.get().meta_analyses] == ["md"]
    second.study.retracted = True
    second.study.retraction_reason = "Data fabricated."
    second.study.retraction_date = datetime.date(2024, 1, 1)
    second.study.save()
    assert Claim.objects.get().meta_analyses == []
    assert api_client.get(f"{CLAIMS}{claim.slug}/").json()["meta_analyses"] == []


def test_the_bulk_refresh_stores_the_same_meta_analyses():
    from evidence.services import claims_refresh_all

    claim, _, _ = two_trials()
    stored = Claim.objects.get().meta_analyses
    Claim.objects.update(meta_analyses=[])
    claims_refresh_all()
    assert Claim.objects.get(pk=claim.pk).meta_analyses == stored


def test_claim_list_queries_do_not_grow_with_meta_analyses(api_client):
    for _ in range(3):
        two_trials()
    small = queries_per_request(lambda: api_client.get(f"{CLAIMS}?page_size=1"))
    large = queries_per_request(lambda: api_client.get(f"{CLAIMS}?page_size=100"))
    assert small == large
    csv_small = queries_per_request(
        lambda: b"".join(api_client.get(f"{CLAIMS}?format=csv").streaming_content)
    )
    two_trials()
    two_trials()
    csv_large = queries_per_request(
        lambda: b"".join(api_client.get(f"{CLAIMS}?format=csv").streaming_content)
    )
    assert csv_small == csv_large


def test_effect_favours_claim_is_written_through_the_api(editor_api):
    claim = ClaimFactory()
    response = editor_api.patch(
        f"{CLAIMS}{claim.slug}/", {"effect_favours_claim": "higher"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Claim.objects.get().effect_favours_claim == "higher"
    refused = editor_api.patch(
        f"{CLAIMS}{claim.slug}/", {"effect_favours_claim": "up"}, format="json"
    )
    assert refused.status_code == 400
    assert "effect_favours_claim" in field_errors(refused)


# --- CSVs -----------------------------------------------------------------------


def read_csv(response):
    return list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )


def test_evidence_csv_carries_each_links_effect(api_client):
    claim, first, _ = two_trials()
    EvidenceFactory(claim=claim)
    rows = {
        int(row["id"]): row
        for row in read_csv(api_client.get(f"{EVIDENCE}?format=csv"))
    }
    row = rows[first.pk]
    assert row["effect_measure"] == "md"
    assert float(row["effect_estimate"]) == pytest.approx(-6.6)
    assert float(row["effect_se"]) == pytest.approx(7.3 / 3.92)
    assert float(row["effect_ci_low"]) < -6.6 < float(row["effect_ci_high"])
    empty = next(
        row
        for pk, row in rows.items()
        if pk not in (first.pk,) and not row["effect_measure"]
    )
    assert empty["effect_estimate"] == empty["effect_ci_high"] == ""


def test_claims_csv_carries_the_largest_meta_analysis(api_client):
    claim, _, _ = two_trials()
    ClaimFactory()
    rows = {
        row["slug"]: row for row in read_csv(api_client.get(f"{CLAIMS}?format=csv"))
    }
    row = rows[claim.slug]
    stored = Claim.objects.get(pk=claim.pk).meta_analyses[0]
    assert row["meta_analyses"] == "1"
    assert row["meta_measure"] == "md"
    assert row["meta_k"] == "2"
    assert float(row["meta_estimate"]) == pytest.approx(stored["estimate"])
    assert float(row["meta_prediction_high"]) == pytest.approx(
        stored["prediction_high"]
    )
    other = next(row for slug, row in rows.items() if slug != claim.slug)
    assert other["meta_analyses"] == "0" and other["meta_estimate"] == ""


# --- The forest plot ----------------------------------------------------------


def test_claim_page_shows_a_forest_plot_with_its_table(client):
    claim, first, second = two_trials()
    page = client.get(claim.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "How big is the effect?" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320' in html
    assert html.count("<rect x=") >= 2  # one square per study (and the background)
    assert "<polygon points=" in html  # the pooled diamond
    assert "← lower: favours the claim" in html
    assert "higher: against the claim →" in html
    # The accessible table holds the same numbers.
    assert (
        f"{first.study.citation_short}</a></th><td>Depression severity (MADRS)" in html
    )
    assert "<td>-6.60</td>" in html
    assert "Prediction interval (95%)" in html
    assert f'href="/claims/{claim.slug}/forest/md.svg"' in html


def test_a_claim_without_a_meta_analysis_shows_no_forest_plot(client):
    claim = link_with(**REPORTED).claim
    html = client.get(claim.get_absolute_url()).content.decode()
    assert "How big is the effect?" not in html
    assert client.get(f"/claims/{claim.slug}/forest/md.svg").status_code == 404


def test_unstated_favoured_side_leaves_the_sides_unlabelled(client):
    claim, _, _ = two_trials(ClaimFactory())
    html = client.get(claim.get_absolute_url()).content.decode()
    assert "favours the claim" not in html.split("<svg", 1)[1].split("</svg>")[0]
    assert "no effect" in html


def test_the_forest_plot_downloads_as_escaped_svg(client):
    claim = ClaimFactory(effect_favours_claim="higher")
    # Study text is cleaned on the way in (studies/text.py); the link's
    # outcome is the curator's text as written, so the SVG must escape it.
    link_with(claim, **{**REPORTED, "outcome": 'Mood & "worry" <scale>'})
    link_with(claim, **REPORTED)
    response = client.get(f"/claims/{claim.slug}/forest/md.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    assert "<scale>" not in body
    assert "Mood &amp; &quot;worry&quot; &lt;scale&gt;" in body
    assert "higher: favours the claim →" in body
    from xml.dom.minidom import parseString

    parseString(response.content)  # well-formed XML
    assert client.get(f"/claims/{claim.slug}/forest/smd.svg").status_code == 404


def test_forest_text_stays_legible_on_a_375_px_phone():
    from evidence.forest import WIDTH, claim_forests

    claim, _, _ = two_trials()
    [forest] = claim_forests(Claim.objects.get(pk=claim.pk))
    # The drawing is 320 units wide with 13-unit text: on a 375 px phone,
    # inside the page's margins (about 310 px), 12.6 px.
    assert 13 * 310 / WIDTH >= 12
    assert forest.width == WIDTH
    assert all(len(row.outcome) <= 44 for row in forest.rows)
    squares = [row.side for row in forest.rows]
    weights = [row.weight for row in forest.rows]
    # Marker area proportional to weight.
    assert squares[0] ** 2 / squares[1] ** 2 == pytest.approx(weights[0] / weights[1])


# --- The seed --------------------------------------------------------------------


def test_the_seeds_full_dose_trials_are_pooled_from_their_sourced_figures(client):
    from django.core.management import call_command

    call_command("seed", stdout=io.StringIO())
    claim = Claim.objects.get(slug="full-dose-psilocybin-therapy-reduces-depression")
    with_effects = Evidence.objects.exclude(effect_measure="")
    assert sorted(link.study.doi.lower() for link in with_effects) == [
        "10.1001/jama.2023.14530",
        "10.1056/nejmoa2206443",
    ]
    for link in with_effects:
        # Each figure stands in its source sentence, which the quote keeps.
        assert f"{abs(link.reported_estimate)}" in link.quote.replace("−", "-")
        assert link.claim == claim
    [analysis] = claim.meta_analyses
    assert (analysis["measure"], analysis["k"], analysis["participants"]) == (
        "md",
        2,
        262,
    )
    assert analysis["ci_high"] < 0
    html = client.get(claim.get_absolute_url()).content.decode()
    assert "How big is the effect?" in html
    assert "Goodwin et al. 2022" in html and "Raison et al. 2023" in html
    assert "← lower: favours the claim" in html
    svg = client.get(f"/claims/{claim.slug}/forest/md.svg")
    assert svg.status_code == 200 and b"Raison et al. 2023" in svg.content


def test_a_release_carries_effects_and_meta_analyses(settings, tmp_path):
    import json
    import zipfile

    from evidence.releases import release_make

    settings.MEDIA_ROOT = tmp_path
    claim, first, _ = two_trials()
    release = release_make()
    with release.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    stored = Claim.objects.get(pk=claim.pk).meta_analyses[0]
    [row] = csv.DictReader(io.StringIO(archive.read("meta_analyses.csv").decode()))
    assert (row["claim"], row["measure"], row["k"], row["method"]) == (
        claim.slug,
        "md",
        "2",
        "REML",
    )
    assert float(row["i2"]) == pytest.approx(stored["i2"])
    assert row["links"].startswith(f"{first.pk}:")
    evidence = list(csv.DictReader(io.StringIO(archive.read("evidence.csv").decode())))
    assert {row["effect_measure"] for row in evidence} == {"md"}
    [claim_row] = csv.DictReader(io.StringIO(archive.read("claims.csv").decode()))
    assert float(claim_row["meta_estimate"]) == pytest.approx(stored["estimate"])
    data = json.loads(archive.read("data.json"))
    assert data["meta_analyses"][0]["estimate"] == pytest.approx(stored["estimate"])
    assert "| `prediction_low` |" in archive.read("README.md").decode()


# --- The admin ---------------------------------------------------------------------


def test_admin_edits_the_effect_in_a_collapsible_fieldset(curator_client):
    from django.urls import reverse

    link = link_with(status=Status.DRAFT, **REPORTED)
    page = curator_client.get(reverse("admin:evidence_evidence_change", args=[link.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Effect size" in html and 'name="reported_ci_low"' in html
    claim_page = curator_client.get(
        reverse("admin:evidence_claim_change", args=[link.claim.pk])
    ).content.decode()
    assert 'name="evidence-0-effect_measure"' in claim_page
    assert 'name="effect_favours_claim"' in claim_page
    assert claim_page.count("collapse") >= 1


def test_admin_refuses_a_ci_without_its_estimate_with_a_field_error(curator_client):
    from django.urls import reverse

    link = link_with(status=Status.DRAFT, **REPORTED)
    url = reverse("admin:evidence_evidence_change", args=[link.pk])
    form = curator_client.get(url).context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in form.initial.items()
        if not isinstance(value, list)
    }
    data.update(
        claim=link.claim.pk,
        study=link.study.pk,
        indirectness_reasons=[],
        reported_estimate="5",
    )
    response = curator_client.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    assert "must contain the estimate" in response.content.decode()
    link.refresh_from_db()
    assert link.reported_estimate == -6.6


# --- Properties of the rules ---------------------------------------------------------

numbers = st.one_of(
    st.none(),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(min_value=0, max_value=500),
)


@settings(max_examples=50, deadline=None)
@given(
    measure=st.sampled_from(["", "smd", "md", "log_rr", "log_or"]),
    values=st.fixed_dictionaries({name: numbers for name in EFFECT_NUMBER_FIELDS}),
)
def test_whatever_the_rules_accept_gives_a_finite_effect(measure, values):
    for name in ("n_treatment", "n_control", "events_treatment", "events_control"):
        if values[name] is not None:
            values[name] = abs(int(values[name]))
    values["effect_measure"] = measure
    if effect_field_errors(values):
        return
    effect = link_effect(values)
    if not measure:
        assert effect is None
        return
    assert effect.measure == measure
    assert math.isfinite(effect.estimate) and effect.se > 0
    assert effect.ci_low <= effect.estimate <= effect.ci_high
