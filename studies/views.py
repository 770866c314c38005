"""The study reader pages: the filtered list and a study's page.

They show what ``studies`` knows; ``evidence`` extends them with the claims a
study bears on (evidence/study_pages.py), and the site serves those.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from core.listing import FilteredListView

from .citation_files import CITATION_FORMATS, citation_file_response, study_filename
from .citations import bibtex
from .csl import apa_html
from .filters import StudyFilterSet
from .models import Study


class StudyListView(FilteredListView):
    filterset_class = StudyFilterSet
    template_name = "studies/study_list.html"
    noun = "studies"

    # Filters the page has no control for, kept when the form is submitted.
    hidden_filters = ("doi", "pmid")

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
        context["bibtex"] = bibtex(self.object)
        context["apa"] = apa_html(self.object)
        return context


def citation_format_or_404(citation_format):
    if citation_format not in CITATION_FORMATS:
        raise Http404("Citation files come as .bib (BibTeX) or .ris (RIS).")
    return citation_format


def study_citation_file(request, pk, citation_format):
    """One published study as a BibTeX or RIS file."""
    citation_format = citation_format_or_404(citation_format)
    study = get_object_or_404(Study.objects.published(), pk=pk)
    return citation_file_response([study], citation_format, study_filename(study))
