"""One study linked to several claims at once, from the study's admin page.

Each new link goes through the evidence link admin's own code: the workflow's
status check (evidence.workflow.status_change_check), the model's validation
(Evidence.full_clean, with its one-link-per-claim-and-study constraint), then
the link admin's ``save_model`` (which records who added it) and its history
entry. Nothing here repeats a rule: it only asks the same questions for
several claims, and saves all the links or none.
"""

from urllib.parse import urlsplit, urlunsplit

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Claim, Evidence, Status
from ..verdict import DOMAINS
from ..workflow import status_change_check

# The GRADE domains a curator usually judges once per study (risk of bias is
# the study's; the others are kept per link and can be changed on each).


class LinkToClaimsForm(forms.Form):
    """A link's fields once, for several claims."""

    def __init__(self, *args, study, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        self.user = user
        self.fields["claims"] = forms.ModelMultipleChoiceField(
            queryset=Claim.objects.visible_to(user).order_by("statement"),
            widget=AutocompleteSelectMultiple(
                Evidence._meta.get_field("claim"), admin_site
            ),
            help_text="Type to search; pick every claim this study informs the "
            "same way. One link is made per claim.",
            error_messages={
                "required": "Pick at least one claim to link this study to.",
                "invalid_pk_value": "“%(pk)s” is not a claim you can link to.",
                "invalid_choice": "Claim #%(value)s is not one you can link to.",
            },
        )
        for name in ["evidence_type", "direction", "finding", *DOMAINS]:
            self.fields[name] = Evidence._meta.get_field(name).formfield()
        self.fields["finding"].label = "Finding (note)"
        self.fields["finding"].widget.attrs["rows"] = 3
        self.fields["status"] = forms.ChoiceField(
            choices=[
                (Status.DRAFT, "Draft: I will come back to it"),
                (Status.IN_REVIEW, "In review: submit it to an editor now"),
            ],
            initial=Status.DRAFT,
            widget=forms.RadioSelect,
        )

    def links(self):
        """The new (unsaved) links, one per chosen claim, all validated.

        Raises ``ValidationError`` naming every claim whose link is refused,
        with the reason the link admin would give.
        """
        values = {
            name: self.cleaned_data[name]
            for name in ["evidence_type", "direction", "finding", *DOMAINS]
        }
        links, problems = [], []
        for claim in self.cleaned_data["claims"]:
            link = Evidence(claim=claim, study=self.study, status=Status.DRAFT)
            for name, value in values.items():
                setattr(link, name, value)
            try:
                # A new link is saved as a draft first; the move to "in review"
                # is checked as the link admin checks its status field.
                status_change_check(
                    user=self.user,
                    instance=link,
                    new_status=self.cleaned_data["status"],
                )
                link.status = self.cleaned_data["status"]
                link.full_clean()
            except PermissionDenied as error:
                problems.append(f"{claim.statement}: {error}")
            except ValidationError as error:
                problems.append(f"{claim.statement}: {' '.join(error.messages)}")
            links.append(link)
        if problems:
            raise ValidationError(
                ["No link was made. Remove or fix these claims, then save again:"]
                + problems,
                code="links_refused",
            )
        return links


def link_to_claims_view(model_admin, request, object_id):
    """The study's "Link to claims" page (see the module docstring)."""
    study = model_admin.get_object(request, unquote(object_id))
    if study is None:
        raise Http404("There is no study with this id, or you may not see it.")
    link_admin = model_admin.admin_site._registry[Evidence]
    if not link_admin.has_add_permission(request):
        raise PermissionDenied(
            "Only curators and editors link studies to claims: your account "
            "may not add evidence links."
        )
    form = LinkToClaimsForm(
        request.POST or None,
        study=study,
        user=request.user,
        admin_site=model_admin.admin_site,
    )
    if request.method == "POST" and form.is_valid():
        try:
            links = form.links()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            with transaction.atomic():
                for link in links:
                    link_admin.save_model(request, link, None, change=False)
                    link_admin.log_addition(request, link, [{"added": {}}])
            status = Status(form.cleaned_data["status"]).label.lower()
            model_admin.message_user(
                request,
                f"{len(links)} evidence link(s) added ({status}): "
                + "; ".join(link.claim.statement for link in links),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(_next_url(request, study))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Link this study to claims",
        "opts": model_admin.model._meta,
        "object": study,
        "form": form,
        "next": _next_url(request, study),
        "media": model_admin.media + form.media,
        "existing": study.evidence.visible_to(request.user).select_related("claim"),
    }
    return TemplateResponse(request, "admin/studies/study/link_to_claims.html", context)


def _next_url(request, study):
    """Where to go after linking: back to the list the curator came from
    (its filters kept), else to the study's page."""
    came_from = request.POST.get("next") or request.GET.get("next", "")
    if not came_from and request.method == "GET":
        referer = urlsplit(request.headers.get("Referer", ""))
        if referer.path == reverse("admin:studies_study_changelist"):
            came_from = urlunsplit(("", "", referer.path, referer.query, ""))
    if came_from and url_has_allowed_host_and_scheme(
        came_from,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return came_from
    return reverse("admin:studies_study_change", args=[study.pk])


def link_to_claims_list_link(study):
    """The study list's shortcut to the form (which comes back to the list)."""
    return format_html(
        '<a href="{}">Link to claims</a>',
        reverse("admin:studies_study_link_claims", args=[study.pk]),
    )


def link_to_claims_button(study):
    """The button on the study's change page that opens the form above."""
    if study is None or study.pk is None:
        return "Save the study first, then link it to claims."
    return format_html(
        '<a class="button" href="{}">Link to claims…</a> '
        '<span class="ea-muted">several claims in one form</span>',
        reverse("admin:studies_study_link_claims", args=[study.pk]),
    )
