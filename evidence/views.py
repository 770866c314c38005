import datetime
from dataclasses import dataclass

from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.http import Http404
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from config.pagination import CachedCountPaginator, CachedPagePaginator
from studies.models import Population

from .filters import ClaimEvidenceFilterSet, ClaimFilterSet
from .models import Claim, Direction, Evidence, EvidenceType, Topic
from .templatetags.atlas import query_url

TOPIC_HEADINGS = {
    Topic.MECHANISM: "Mechanisms",
    Topic.EFFECT: "Effects",
    Topic.RISK: "Risks",
}

# "Published since" shortcut on the claim page: the last ten years.
RECENT_YEARS = 10

GROUP_HEADINGS = {
    Direction.SUPPORTS: "Evidence that supports the claim",
    Direction.CONTRADICTS: "Evidence that contradicts the claim",
    Direction.MIXED: "Mixed findings",
}
GROUP_NOUNS = {
    Direction.SUPPORTS: "supporting evidence",
    Direction.CONTRADICTS: "contradicting evidence",
    Direction.MIXED: "mixed findings",
}


def page_or_404(paginator, number, *, what):
    """Page ``number`` of ``paginator``, or a 404 whose message says what to do."""
    number = (number or "1").strip()
    if number == "last":
        number = paginator.num_pages
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        shown = str(number)[:20]
        raise Http404(
            f"“{shown}” is not a page number. Pages of {what} are numbered from 1."
        ) from None
    except EmptyPage:
        pages = paginator.num_pages
        raise Http404(
            f"There is no page {str(number)[:20]} of {what}: "
            f"there {'is' if pages == 1 else 'are'} {pages} "
            f"page{'' if pages == 1 else 's'}."
        ) from None


def filters_invalid(filterset):
    return filterset.is_bound and not filterset.is_valid()


class FilteredListView(FilterView):
    """A list page filtered by an app's shared FilterSet, with reader-proof input.

    Filters the form rejects answer 400 with the form's errors on the page;
    a page number that is not a number or past the end answers 404 with a
    message saying so.
    """

    paginate_by = 20
    paginator_class = CachedCountPaginator
    noun = "results"

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        number = self.request.GET.get(self.page_kwarg)
        if filters_invalid(self.filterset):
            number = None  # the errors matter, not the page
        page = page_or_404(paginator, number, what=self.noun)
        return paginator, page, page.object_list, page.has_other_pages()

    def render_to_response(self, context, **response_kwargs):
        if filters_invalid(self.filterset):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class HomeView(ListView):
    template_name = "evidence/home.html"

    def get_queryset(self):
        return Claim.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_topic = {topic: [] for topic in Topic.values}
        for claim in context["object_list"]:
            by_topic.setdefault(claim.topic, []).append(claim)
        context["topics"] = [
            {
                "value": topic,
                "heading": TOPIC_HEADINGS.get(topic, Topic(topic).label),
                "claims": claims,
            }
            for topic, claims in by_topic.items()
            if claims
        ]
        return context


class ClaimListView(FilteredListView):
    filterset_class = ClaimFilterSet
    template_name = "evidence/claim_list.html"
    noun = "claims"

    def get_queryset(self):
        return Claim.objects.published()


@dataclass
class EvidenceGroup:
    direction: str
    heading: str
    page_param: str
    page: Page

    @property
    def pages_label(self):
        return f"Pages of {GROUP_NOUNS[self.direction]}"


def evidence_shortcuts(query):
    """One-click filters for what readers most often want to trust."""
    recent = datetime.date.today().year - RECENT_YEARS + 1
    shortcuts = [
        ("Controlled studies only", {"evidence_type": [EvidenceType.CONTROLLED]}),
        (
            "Studies in people only",
            {"population": [Population.CLINICAL, Population.HEALTHY]},
        ),
        (f"Published since {recent}", {"year_min": str(recent)}),
    ]
    return [
        {"label": label, "url": query_url(query, **changes)}
        for label, changes in shortcuts
        if any(
            query.getlist(name) != (value if isinstance(value, list) else [value])
            for name, value in changes.items()
        )
    ]


class ClaimDetailView(DetailView):
    template_name = "evidence/claim_detail.html"
    evidence_per_page = 20

    def get_queryset(self):
        return Claim.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.filterset = ClaimEvidenceFilterSet(
            self.request.GET or None,
            queryset=Evidence.objects.published()
            .filter(claim=self.object)
            .for_list()
            .strongest_first(),
            request=self.request,
        )
        invalid = filters_invalid(self.filterset)
        links = self.filterset.queryset.none() if invalid else self.filterset.qs
        chosen = []
        if self.filterset.is_bound and not invalid:
            chosen = self.filterset.form.cleaned_data.get("direction")
        groups = []
        for direction in Direction:
            if chosen and direction not in chosen:
                continue
            page_param = f"{direction}_page"
            paginator = CachedPagePaginator(
                links.filter(direction=direction), self.evidence_per_page
            )
            number = None if invalid else self.request.GET.get(page_param)
            page = page_or_404(paginator, number, what=GROUP_NOUNS[direction])
            groups.append(
                EvidenceGroup(direction, GROUP_HEADINGS[direction], page_param, page)
            )
        context.update(
            filter=self.filterset,
            groups=groups,
            profile=self.object.profile,
            match_count=sum(group.page.paginator.count for group in groups),
            filtered=any(
                value.strip()
                for name in self.filterset.form.fields
                if name != "ordering"
                for value in self.request.GET.getlist(name)
            ),
            shortcuts=evidence_shortcuts(self.request.GET),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        if filters_invalid(self.filterset):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)
