from django.views.generic import DetailView, ListView

from .models import Study


class StudyListView(ListView):
    model = Study
    paginate_by = 25


class StudyDetailView(DetailView):
    model = Study
