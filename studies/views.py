"""The study reader pages: the filtered list and a study's page.

They show what ``studies`` knows; ``evidence`` extends them with the claims a
study bears on (evidence/study_pages.py), and the site serves those.
"""

from django.views.generic import DetailView

from core.listing import FilteredListView

from .citations import apa, bibtex
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
        context["apa"] = apa(self.object)
        return context
