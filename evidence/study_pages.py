"""The study reader pages as the site serves them: the study pages of
``studies`` plus what evidence knows of a study, the ``claim`` filter on the
list, the claims a study bears on on its page (template block ``claims``) and
a claim's studies as a citation file.
"""

from django.shortcuts import get_object_or_404

from studies import views as study_views
from studies.citation_files import citation_file_response
from studies.models import Study

from .filters import StudyClaimFilterSet
from .models import Claim, Evidence, Status
from .study_page import links_on_page


class StudyListView(study_views.StudyListView):
    filterset_class = StudyClaimFilterSet
    hidden_filters = ("claim", *study_views.StudyListView.hidden_filters)


class StudyDetailView(study_views.StudyDetailView):
    template_name = "evidence/study_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = (
            Evidence.objects.published()
            .filter(study=self.object, claim__status=Status.PUBLISHED)
            .for_list()
            .order_by("claim__topic", "claim__statement")
        )
        context["links"] = links_on_page(links)
        return context


def claim_citation_file(request, slug, citation_format):
    """The published studies behind a published claim, as BibTeX or RIS."""
    citation_format = study_views.citation_format_or_404(citation_format)
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    studies = (
        Study.objects.published()
        .filter(evidence__claim=claim, evidence__status=Status.PUBLISHED)
        .distinct()
        .for_list()
    )
    return citation_file_response(studies, citation_format, f"{claim.slug}-studies")
