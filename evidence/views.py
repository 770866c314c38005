from django.views.generic import DetailView, ListView, TemplateView

from .models import Claim


class HomeView(TemplateView):
    template_name = "evidence/home.html"


class ClaimListView(ListView):
    queryset = Claim.objects.published()
    paginate_by = 25


class ClaimDetailView(DetailView):
    queryset = Claim.objects.published()
