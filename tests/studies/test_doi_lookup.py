import io
import json
from pathlib import Path

import httpx2
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.urls import reverse

from studies.crossref import study_fields_from_crossref
from studies.models import EntryMethod, Study
from tests.factories import StudyFactory, UserFactory

from .test_admin import study_form

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
LOOKUP_URL = reverse("admin:studies_study_doi_lookup")
ADD_URL = reverse("admin:studies_study_add")
LY_DOI = "10.1016/j.celrep.2018.05.022"
FRONTIERS_DOI = "10.3389/fpsyg.2022.948729"


def recorded(doi):
    name = "crossref-" + doi.replace("/", "-") + ".json"
    return json.loads((FIXTURES / name).read_text())["message"]


def test_crossref_record_maps_to_study_fields():
    fields = study_fields_from_crossref(recorded(LY_DOI))
    assert fields["title"] == (
        "Psychedelics Promote Structural and Functional Neural Plasticity"
    )
    assert fields["authors"][:3] == ["Ly C", "Greb AC", "Cameron LP"]
    assert fields["authors"][7] == "Soltanzadeh Zarandi S"
    assert fields["authors"][12] == "McAllister AK"
    assert (fields["year"], fields["journal"], fields["doi"]) == (
        2018,
        "Cell Reports",
        LY_DOI,
    )
    assert fields["abstract"] == ""


def test_crossref_jats_abstract_becomes_plain_paragraphs():
    fields = study_fields_from_crossref(recorded(FRONTIERS_DOI))
    assert fields["authors"][0] == "Søndergaard A"
    assert fields["authors"][-1] == "Stenbæk DS"
    assert fields["abstract"].split("\n\n") == [
        "Background: Psilocybin is a psychedelic drug that has shown lasting positive "
        "effects on clinical symptoms & self-reported well-being following a single dose.",
        "Methods: Healthy participants received a single dose of psilocybin; trait "
        "mindfulness was measured before and 3 months after.",
    ]


# The admin ---------------------------------------------------------------------


def test_lookup_fills_the_add_form_and_the_saved_study_records_its_provenance(
    curator_client, curator, crossref, settings
):
    settings.CROSSREF_MAILTO = "curators@example.org"
    crossref.record(LY_DOI)
    response = curator_client.post(LOOKUP_URL, {"doi": f"https://doi.org/{LY_DOI}"})
    assert response.status_code == 302
    assert response["Location"] == f"{ADD_URL}?doi_lookup={LY_DOI.replace('/', '%2F')}"

    (request,) = crossref.requests
    assert str(request.url) == f"https://api.crossref.org/works/{LY_DOI}"
    assert "mailto:curators@example.org" in request.headers["User-Agent"]
    assert "EvidenceAtlas" in request.headers["User-Agent"]
    assert request.extensions["timeout"]["read"] == 10

    form = curator_client.get(response["Location"]).context["adminform"].form
    assert form.initial["title"] == (
        "Psychedelics Promote Structural and Functional Neural Plasticity"
    )
    assert form.initial["authors"][:2] == ["Ly C", "Greb AC"]
    assert (form.initial["year"], form.initial["doi"]) == (2018, LY_DOI)

    saved = curator_client.post(
        response["Location"],
        study_form(
            title=form.initial["title"],
            authors=json.dumps(form.initial["authors"]),
            year="2018",
            journal="Cell Reports",
            doi=LY_DOI,
            design="in_vitro",
            population="cells",
        ),
    )
    assert saved.status_code == 302
    study = Study.objects.get()
    assert study.entry_method == EntryMethod.DOI_LOOKUP
    assert study.entry_source == f"doi:{LY_DOI}"
    record = study.history.get()
    assert record.history_change_reason == f"Looked up by DOI {LY_DOI} (Crossref)"
    assert record.history_user == curator


def test_study_typed_in_by_hand_stays_manual(curator_client):
    curator_client.post(ADD_URL, study_form(doi=LY_DOI))
    assert Study.objects.get().entry_method == EntryMethod.MANUAL


def test_unknown_doi_says_so_and_links_to_the_add_form(curator_client, crossref):
    page = curator_client.post(LOOKUP_URL, {"doi": "10.5555/not-registered"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Crossref has no record of the DOI 10.5555/not-registered" in text
    assert f'href="{ADD_URL}"' in text
    assert len(crossref.requests) == 1


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (httpx2.ReadTimeout, "it did not answer in time"),
        (httpx2.ConnectError, "this server has no network connection to it"),
        (503, "it answered 503"),
    ],
)
def test_crossref_failures_give_a_clear_message_not_an_error_page(
    curator_client, crossref, failure, reason
):
    crossref.fail(LY_DOI, failure)
    page = curator_client.post(LOOKUP_URL, {"doi": LY_DOI})
    text = page.content.decode()
    assert page.status_code == 200
    assert f"Crossref could not be reached ({reason})" in text
    assert "type the study in by hand" in text
    assert f'href="{ADD_URL}"' in text
    assert not Study.objects.exists()


def test_unreachable_network_gives_the_same_message(curator_client):
    # No fake: the tests' network guard refuses the connection, as a machine
    # without internet would.
    page = curator_client.post(LOOKUP_URL, {"doi": LY_DOI})
    assert "Crossref could not be reached" in page.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("banana", "banana is not a DOI"),
        ("10.1016", "is not a DOI"),
        ("10/gfvk7m", "short DOI"),
    ],
)
def test_malformed_doi_is_refused_without_a_network_call(
    curator_client, crossref, value, message
):
    page = curator_client.post(LOOKUP_URL, {"doi": value})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert crossref.requests == []


def test_existing_doi_links_to_the_stored_study(curator_client, crossref):
    study = StudyFactory(doi=LY_DOI)
    page = curator_client.post(LOOKUP_URL, {"doi": LY_DOI.upper()}).content.decode()
    assert f"A study with the DOI {LY_DOI} already exists" in page
    assert reverse("admin:studies_study_change", args=[study.pk]) in page
    assert crossref.requests == []


def test_lookup_needs_the_add_permission(client, crossref):
    client.force_login(UserFactory(username="intern", is_staff=True))
    assert client.get(LOOKUP_URL).status_code == 403
    assert client.post(LOOKUP_URL, {"doi": LY_DOI}).status_code == 403
    assert crossref.requests == []


# The command -------------------------------------------------------------------


def lookup(*args):
    out = io.StringIO()
    call_command("lookup_doi", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_record(crossref):
    crossref.record(FRONTIERS_DOI)
    out = lookup(f"doi:{FRONTIERS_DOI}")
    assert "title: Lasting increases in trait mindfulness" in out
    assert "authors: Søndergaard A; Madsen MK;" in out
    assert "year: 2022" in out
    assert not Study.objects.exists()


def test_command_saves_with_provenance(crossref):
    crossref.record(LY_DOI)
    curator = UserFactory(username="ana")
    out = lookup(LY_DOI, "--save", "--user", "ana")
    study = Study.objects.get()
    assert f"Study #{study.pk} created" in out
    assert (study.entry_method, study.entry_source) == (
        EntryMethod.DOI_LOOKUP,
        f"doi:{LY_DOI}",
    )
    record = study.history.get()
    assert record.history_change_reason == f"Looked up by DOI {LY_DOI} (Crossref)"
    assert record.history_user == curator


def test_command_with_an_existing_doi_points_to_it(crossref):
    study = StudyFactory(doi=LY_DOI)
    out = lookup(LY_DOI, "--save")
    assert f"already exists: #{study.pk}" in out
    assert crossref.requests == []
    assert Study.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["10.5555/not-registered"], "Crossref has no record of the DOI"),
        ([LY_DOI], "Crossref could not be reached (it did not answer in time)"),
        (["banana"], "banana is not a DOI"),
    ],
)
def test_command_failures_raise_a_message(crossref, args, message):
    crossref.fail(LY_DOI, httpx2.ReadTimeout)
    with pytest.raises(
        CommandError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        lookup(*args)
    assert not Study.objects.exists()


def test_command_exits_non_zero_with_the_message_on_stderr(crossref, capsys):
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "lookup_doi", "10.5555/none"])
    assert exited.value.code == 1
    assert "Crossref has no record of the DOI 10.5555/none" in capsys.readouterr().err
    assert len(crossref.requests) == 1


# Degrading well ----------------------------------------------------------------


def test_crossref_record_fills_volume_issue_and_pages_and_loses_its_markup():
    message = recorded(LY_DOI)
    message["title"] = ["Growth of <i>Psilocybe</i> &amp; 5-HT<sub>2A</sub>"]
    fields = study_fields_from_crossref(message)
    assert (fields["volume"], fields["issue"], fields["pages"]) == (
        "23",
        "11",
        "3170–3182",
    )
    assert fields["title"] == "Growth of Psilocybe & 5-HT2A"


def test_without_network_the_page_says_so_and_offers_the_form_with_the_doi(
    curator_client,
):
    # No fake: the tests' network guard refuses the connection at once, as a
    # machine without internet does.
    page = curator_client.post(LOOKUP_URL, {"doi": LY_DOI}).content.decode()
    assert "this server has no network connection to it" in page
    prefilled = f"{ADD_URL}?doi={LY_DOI.replace('/', '%2F')}"
    assert f'href="{prefilled}"' in page
    form = curator_client.get(prefilled).context["adminform"].form
    assert form.initial["doi"] == LY_DOI


def test_after_a_failed_connection_the_next_lookup_answers_without_waiting(
    curator_client, crossref
):
    crossref.fail(LY_DOI, httpx2.ConnectError)
    curator_client.post(LOOKUP_URL, {"doi": LY_DOI})
    assert len(crossref.requests) == 1
    notice = curator_client.get(LOOKUP_URL).content.decode()
    assert "seems to have no network connection" in notice
    page = curator_client.post(LOOKUP_URL, {"doi": FRONTIERS_DOI}).content.decode()
    assert "no network connection" in page
    assert len(crossref.requests) == 1


def test_add_by_hand_keeps_the_doi_typed(curator_client, crossref):
    response = curator_client.post(
        LOOKUP_URL, {"doi": f"https://doi.org/{LY_DOI}", "by_hand": "Add by hand"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{ADD_URL}?doi={LY_DOI.replace('/', '%2F')}"
    assert crossref.requests == []


def test_lookup_asks_crossref_with_a_short_connect_timeout(curator_client, crossref):
    crossref.record(LY_DOI)
    curator_client.post(LOOKUP_URL, {"doi": LY_DOI})
    (request,) = crossref.requests
    assert request.extensions["timeout"]["connect"] == 3
    assert request.extensions["timeout"]["read"] == 10


def test_looked_up_volume_issue_and_pages_reach_the_add_form(curator_client, crossref):
    crossref.record(LY_DOI)
    location = curator_client.post(LOOKUP_URL, {"doi": LY_DOI})["Location"]
    form = curator_client.get(location).context["adminform"].form
    assert (form.initial["volume"], form.initial["pages"]) == ("23", "3170–3182")
    # The browser must not cut a long title at maxlength without a word.
    assert "maxlength" not in str(form["title"])


def test_command_saves_volume_issue_and_pages(crossref):
    crossref.record(LY_DOI)
    lookup(LY_DOI, "--save")
    study = Study.objects.get()
    assert (study.volume, study.issue, study.pages) == ("23", "11", "3170–3182")
