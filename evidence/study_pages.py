"""The study reader pages as the site serves them: the study pages of
``studies`` plus what evidence knows of a study, the ``claim`` filter on the
list and the claims a study bears on on its page (template block ``claims``).
"""

from studies import views as study_views

from .filters import StudyClaimFilterSet
from .models import Evidence


class StudyListView(study_views.StudyListView):
    filterset_class = StudyClaimFilterSet
    hidden_filters = ("claim", *study_views.StudyListView.hidden_filters)


class StudyDetailView(study_views.StudyDetailView):
    template_name = "evidence/study_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["links"] = (
            Evidence.objects.published()
            .filter(study=self.object)
            .for_list()
            .order_by("claim__topic", "claim__statement")
        )
        return context
