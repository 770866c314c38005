import datetime
from dataclasses import dataclass
from functools import cache, partial

from django.conf import settings
from django.core.paginator import Page
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.generic import DetailView, ListView, TemplateView

from core.listing import FilteredListView, filters_invalid, page_or_404
from core.pagination import CachedPagePaginator
from dataversion import caching
from sitecontent.models import SiteIntro
from studies.models import Population, Study

from .answer import claim_best_evidence
from .filters import ClaimEvidenceFilterSet, ClaimFilterSet
from .forest import claim_forests
from .forms import SearchForm
from .fragments import evidence_items_html
from .models import (
    Claim,
    ClaimSlugAlias,
    Direction,
    Evidence,
    EvidenceType,
    Release,
    Status,
    Topic,
)
from .profile import TYPE_WEIGHTS
from .search import fewer_words_suggestion, search_words, spelling_suggestion
from .services import version_links
from .templatetags.atlas import query_url
from .timeline import claim_timeline_html
from .tombstones import tombstone_reason
from .verdict import (
    DOMAINS,
    INCONSISTENT_SHARE,
    MIN_PARTICIPANTS,
    step_paragraph,
)

TOPIC_HEADINGS = {
    Topic.MECHANISM: "Mechanisms",
    Topic.EFFECT: "Effects",
    Topic.RISK: "Risks",
}

# Where a claim page's filtered evidence starts: every link that changes the
# evidence shown lands there, not at the top of the page.
RESULTS_FRAGMENT = "#evidence"

# "Published since" shortcut on the claim page: the last ten years.
RECENT_YEARS = 10
# Versions listed on the claim page; the API lists them all.
VERSIONS_SHOWN = 50

GROUP_HEADINGS = {
    Direction.SUPPORTS: "Evidence that supports the claim",
    Direction.CONTRADICTS: "Evidence that contradicts the claim",
    Direction.MIXED: "Mixed findings",
}
PAGE_PARAMS = {f"{direction}_page" for direction in Direction}
GROUP_NOUNS = {
    Direction.SUPPORTS: "supporting evidence",
    Direction.CONTRADICTS: "contradicting evidence",
    Direction.MIXED: "mixed findings",
}


class HomeView(ListView):
    template_name = "evidence/home.html"

    def get_queryset(self):
        # Within a topic, the most-studied claims first: those readers most
        # often ask about, and those with a verdict worth reading.
        return Claim.objects.published().order_by("-evidence_count", "statement")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site_intro = SiteIntro.current()
        context["site_intro"] = site_intro
        by_topic = {topic: [] for topic in site_intro.ordered_topics(Topic.values)}
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

    def get_context_data(self, **kwargs):
        # Filter, chip and page links land on the list, below the form on phones.
        context = super().get_context_data(results_fragment="#results", **kwargs)
        context["filters_given"] = any(name != "page" for name in self.request.GET)
        # What decides the items' HTML (templates/evidence/claim_list.html).
        context["page_claim_ids"] = ",".join(
            str(claim.pk) for claim in context["object_list"]
        )
        return context


@dataclass
class EvidenceGroup:
    direction: str
    heading: str
    page_param: str
    page: Page
    items_html: str

    @property
    def fragment(self):
        """Where a page of this group starts: its heading."""
        return f"#group-{self.direction}"

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
        {"label": label, "url": query_url(query, **changes) + RESULTS_FRAGMENT}
        for label, changes in shortcuts
        if any(
            query.getlist(name) != (value if isinstance(value, list) else [value])
            for name, value in changes.items()
        )
    ]


def alias_redirects(alias, user):
    """Whether ``alias`` (a renamed claim's earlier slug) redirects ``user``:
    everyone for a public claim, only signed-in staff for an unpublished one
    (its new slug is not public either)."""
    if alias.claim.status in (Status.PUBLISHED, Status.RETRACTED):
        return True
    return bool(user.is_authenticated and user.is_staff)


class ClaimAddressMixin:
    """Claims by slug, with renamed slugs redirecting and retracted claims
    answering 410 with the reason: a cited address never breaks silently."""

    def get_queryset(self):
        return Claim.objects.filter(status__in=[Status.PUBLISHED, Status.RETRACTED])

    def dispatch(self, request, *args, **kwargs):
        slug = kwargs["slug"]
        # The claim shown, found once (get_object returns it).
        self.claim = self.get_queryset().filter(slug=slug).first()
        if self.claim is None and not Claim.objects.filter(slug=slug).exists():
            alias = (
                ClaimSlugAlias.objects.select_related("claim").filter(slug=slug).first()
            )
            if alias is not None and alias_redirects(alias, request.user):
                path = request.get_full_path().replace(
                    f"/claims/{slug}/", f"/claims/{alias.claim.slug}/", 1
                )
                return HttpResponsePermanentRedirect(path)
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        if queryset is None and self.claim is not None:
            return self.claim
        return super().get_object(queryset)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if tombstone_reason(self.object) is not None:
            return render(
                request,
                "evidence/claim_retracted.html",
                {"claim": self.object},
                status=410,
            )
        return self.render_to_response(self.get_context_data(object=self.object))


def _verdict_words(version):
    certainty = f"{version.get_certainty_display().lower()} certainty"
    if not version.verdict_direction:
        return certainty
    return f"verdict: {version.get_verdict_direction_display().lower()}, {certainty}"


def claim_citation(claim, version, request):
    """ "Cite this claim": APA-like text and BibTeX naming the version and its permalink."""
    permalink = request.build_absolute_uri(version.get_absolute_url())
    date = version.created.date()
    key = f"evidenceatlas:{claim.slug[:40]}:v{version.number}"
    text = (
        f"Evidence Atlas. ({date.year}). {claim.statement.rstrip('.')} (Version {version.number}, "
        f"{date.day} {date:%B %Y}; {_verdict_words(version)}). {permalink}"
    )
    bibtex = (
        f"@misc{{{key},\n"
        f"  author = {{{{Evidence Atlas}}}},\n"
        f"  title = {{{claim.statement.rstrip('.')}}},\n"
        f"  year = {{{date.year}}},\n"
        f"  note = {{Version {version.number} of {date.isoformat()}, {_verdict_words(version)}}},\n"
        f"  howpublished = {{\\url{{{permalink}}}}}\n"
        "}"
    )
    return {"text": text, "bibtex": bibtex, "permalink": permalink}


class ClaimDetailView(ClaimAddressMixin, DetailView):
    template_name = "evidence/claim_detail.html"
    evidence_per_page = 20

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
            chosen = self.filterset.cleaned_data.get("direction")
        # What decides a group's rows and order, besides its direction: the
        # filters (every parameter but the groups' page numbers).
        filters = sorted(
            (name, value)
            for name, values in self.request.GET.lists()
            if name not in PAGE_PARAMS
            for value in values
        )

        def evidence_groups():
            groups = []
            for direction in Direction:
                if chosen and direction not in chosen:
                    continue
                page_param = f"{direction}_page"  # one of PAGE_PARAMS
                group_links = links.filter(direction=direction)
                paginator = CachedPagePaginator(
                    group_links,
                    self.evidence_per_page,
                    key=None
                    if invalid
                    else repr((links.db, self.object.pk, str(direction), filters)),
                )
                number = None if invalid else self.request.GET.get(page_param)
                page = page_or_404(paginator, number, what=GROUP_NOUNS[direction])
                groups.append(
                    EvidenceGroup(
                        direction,
                        GROUP_HEADINGS[direction],
                        page_param,
                        page,
                        evidence_items_html(page.object_list),
                    )
                )
            return groups

        if self.request.GET:
            groups = evidence_groups()
            match_count = sum(group.page.paginator.count for group in groups)
        else:
            # Unfiltered, the evidence is the same for every reader: its
            # cached fragment reads these (the template calls them) only when
            # rendered anew.
            groups = cache(evidence_groups)

            def match_count():
                return sum(group.page.paginator.count for group in groups())

        versions = caching.remember(
            "claim-versions",
            str(self.object.pk),
            lambda: list(
                self.object.versions.published()
                .for_list()
                .order_by("-number")[:VERSIONS_SHOWN]
            ),
            settings.COUNT_CACHE_SECONDS,
        )
        latest = versions[0] if versions else None
        context.update(
            # Read only when the cached summary panel is rendered anew.
            best_evidence=cache(partial(claim_best_evidence, self.object)),
            related_claims=self.object.related_claims.published().order_by(
                "topic", "statement"
            ),
            versions=versions,
            latest_version=latest,
            citation=claim_citation(self.object, latest, self.request)
            if latest
            else None,
            timeline_html=claim_timeline_html(self.object.pk),
            forests=claim_forests(self.object),
            filter=self.filterset,
            groups=groups,
            profile=self.object.profile,
            match_count=match_count,
            filtered=bool(self.request.GET)
            and any(
                value.strip()
                for name in self.filterset.form.fields
                if name != "ordering"
                for value in self.request.GET.getlist(name)
            ),
            shortcuts=evidence_shortcuts(self.request.GET),
            results_fragment=RESULTS_FRAGMENT,
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        if filters_invalid(self.filterset):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


def claim_forest_svg(request, slug, measure):
    """A published claim's forest plot for one measure, as a standalone SVG."""
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    forest = next(
        (forest for forest in claim_forests(claim) if forest.measure == measure), None
    )
    if forest is None:
        raise Http404("This claim has no meta-analysis on that measure.")
    svg = render_to_string("evidence/forest_plot.svg", {"forest": forest})
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'inline; filename="{claim.slug[:80]}-forest-{measure}.svg"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def readable_version_link(entry):
    """A stored version's link with the labels readers see elsewhere.

    Versions store "Short n.d.. Title" (short citation, full stop, title); the
    doubled full stop after "n.d." and the raw type ("self_report") are
    mended for display, not in the stored record.
    """
    return {
        **entry,
        "citation": entry["citation"].replace("n.d.. ", "n.d. "),
        "evidence_type_label": EvidenceType(entry["evidence_type"]).label
        if entry["evidence_type"] in EvidenceType.values
        else entry["evidence_type"],
        "direction_label": Direction(entry["direction"]).label
        if entry["direction"] in Direction.values
        else entry["direction"],
    }


class ClaimVersionView(ClaimAddressMixin, DetailView):
    """A citable earlier (or the current) state of a claim."""

    template_name = "evidence/claim_version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = get_object_or_404(
            self.object.versions.published(), number=self.kwargs["number"]
        )
        links = sorted(
            (readable_version_link(entry) for entry in version_links(version).values()),
            key=lambda entry: (entry["direction"], entry["citation"]),
        )
        context.update(
            version=version,
            links=links,
            is_latest=version.number == self.object.version,
            profile=version.profile,
            citation=claim_citation(self.object, version, self.request),
        )
        return context


# Published claims scanned for the methods page's examples.
METHODS_EXAMPLES_FROM = 500


def methods_examples():
    """Examples of each part of the verdict rule from published claims: by
    direction, by certainty and by part of the rule, each ``{"claim", "step"}``
    (a ``values()`` row of the claim, and the step that shows the part)."""
    claims = (
        Claim.objects.published()
        .order_by("-certainty_rank", "slug")
        .values(
            "slug",
            "statement",
            "verdict_direction",
            "certainty",
            "verdict_text",
            "certainty_steps",
        )[:METHODS_EXAMPLES_FROM]
    )
    directions, levels, steps = {}, {}, {}
    for claim in claims:
        directions.setdefault(claim["verdict_direction"], {"claim": claim})
        levels.setdefault(claim["certainty"], {"claim": claim})
        for step in claim["certainty_steps"]:
            # Keyed for templates: "domain-risk_of_bias" → "risk_of_bias".
            part = step_paragraph(step).removeprefix("domain-").replace("-", "_")
            steps.setdefault(part, {"claim": claim, "step": step})
    return {"directions": directions, "levels": levels, "steps": steps}


class MethodsView(TemplateView):
    """How a verdict is reached, with examples from the published claims."""

    template_name = "evidence/methods.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            examples=methods_examples(),
            inconsistent_percent=round(INCONSISTENT_SHARE * 100),
            min_participants=MIN_PARTICIPANTS,
            weights=TYPE_WEIGHTS,
            domains=DOMAINS,
        )
        return context


def search_results(query, *, shown):
    """The published claims and the studies that hold every word of
    ``query``: for each, the number found and the first ``shown``, best first."""
    claims = Claim.objects.published().search(query).best_first(query)
    studies = Study.objects.published().for_list().search(query).best_first(query)
    results = {}
    for name, queryset in (("claims", claims), ("studies", studies)):
        count = queryset.count()
        results[name] = {
            "count": count,
            "items": list(queryset[:shown]) if count else [],
        }
    return results


def search_finds(query):
    """Whether ``query`` finds a published claim or a study."""
    return (
        Claim.objects.published().search(query).exists()
        or Study.objects.published().search(query).exists()
    )


def search_suggestion(query):
    """Another query that finds something when ``query`` finds nothing: its
    words spelt as in the claims, or fewer of them; ``None`` if neither does."""
    vocabulary = set()
    for texts in Claim.objects.published().values_list(
        "statement", "aliases", "description"
    ):
        vocabulary.update(search_words(" ".join(texts), limit=None))
    spelt = spelling_suggestion(query, vocabulary)
    if spelt and search_finds(spelt):
        return spelt
    fewer = fewer_words_suggestion(query, search_finds)
    if fewer and search_finds(fewer):
        return fewer
    return None


class SearchView(TemplateView):
    """One search across claims and studies, claims first."""

    template_name = "evidence/search.html"
    shown = 10

    def get(self, request, *args, **kwargs):
        form = SearchForm(request.GET)
        context = {"form": form, "query": ""}
        if form.is_valid():
            query = form.cleaned_data["q"].strip()
            context["query"] = query
            if query:
                context.update(search_results(query, shown=self.shown))
                found = context["claims"]["count"] or context["studies"]["count"]
                context["searchable"] = bool(search_words(query))
                if not found and context["searchable"]:
                    context["suggestion"] = search_suggestion(query)
        status = 400 if form.errors else 200
        return self.render_to_response(self.get_context_data(**context), status=status)


class ReleaseListView(ListView):
    template_name = "evidence/release_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Release.objects.all()


def release_download(request, name):
    """The release zip, read through the storage API (any backend works)."""
    release = get_object_or_404(Release, name=name)
    response = FileResponse(
        release.file.open("rb"),
        as_attachment=True,
        filename=f"evidence-atlas-{release.name}.zip",
    )
    response["Content-Type"] = "application/zip"
    response["Digest"] = f"sha-256={release.sha256}"
    return response
