from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from evidence.models import Claim, Evidence, Status
from evidence.views import FilteredListView

from .citation_files import CITATION_FORMATS, citation_file_response, study_filename
from .citations import bibtex
from .csl import apa_html
from .filters import StudyFilterSet
from .models import Study
from .study_page import links_on_page


class StudyListView(FilteredListView):
    filterset_class = StudyFilterSet
    template_name = "studies/study_list.html"
    noun = "studies"

    # Filters the page has no control for, kept when the form is submitted.
    hidden_filters = ("claim", "doi", "pmid")

    def get_queryset(self):
        return Study.objects.published().for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["hidden_filters"] = [
            (name, value)
            for name in self.hidden_filters
            for value in self.request.GET.getlist(name)
            if value.strip()
        ]
        return context


class StudyDetailView(DetailView):
    template_name = "studies/study_detail.html"

    def get_queryset(self):
        return Study.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = (
            Evidence.objects.published()
            .filter(study=self.object, claim__status=Status.PUBLISHED)
            .for_list()
            .order_by("claim__topic", "claim__statement")
        )
        context["links"] = links_on_page(links)
        context["bibtex"] = bibtex(self.object)
        context["apa"] = apa_html(self.object)
        return context


def _citation_format(citation_format):
    if citation_format not in CITATION_FORMATS:
        raise Http404("Citation files come as .bib (BibTeX) or .ris (RIS).")
    return citation_format


def study_citation_file(request, pk, citation_format):
    """One published study as a BibTeX or RIS file."""
    citation_format = _citation_format(citation_format)
    study = get_object_or_404(Study.objects.published(), pk=pk)
    return citation_file_response([study], citation_format, study_filename(study))


def claim_citation_file(request, slug, citation_format):
    """The published studies behind a published claim, as BibTeX or RIS."""
    citation_format = _citation_format(citation_format)
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    studies = (
        Study.objects.published()
        .filter(evidence__claim=claim, evidence__status=Status.PUBLISHED)
        .distinct()
        .for_list()
    )
    return citation_file_response(studies, citation_format, f"{claim.slug}-studies")
