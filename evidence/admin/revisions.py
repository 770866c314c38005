"""Editors accept or reject curators' suggested revisions of published work."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..models import Revision, RevisionStatus
from ..workflow import revision_accept, revision_reject, revision_verdict_preview
from .rendering import verdict_changes_html


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Editors accept or reject curators' suggested changes to published work."""

    list_display = ["__str__", "status", "proposed_by", "proposed_at", "reviewed_by"]
    list_filter = ["status"]
    list_select_related = [
        "claim",
        "evidence__claim",
        "evidence__study",
        "study",
        "proposed_by",
        "reviewed_by",
    ]
    readonly_fields = [
        "target_link",
        "comparison",
        "verdict_change",
        "status",
        "proposed_by",
        "proposed_at",
        "reviewed_by",
        "reviewed_at",
    ]
    fields = [
        "target_link",
        "comparison",
        "verdict_change",
        "status",
        "proposed_by",
        "proposed_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    change_form_template = "admin/evidence/revision_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.status == RevisionStatus.PENDING)

    @admin.display(description="Revision of")
    def target_link(self, obj):
        target = obj.target
        url = reverse(
            f"admin:{target._meta.app_label}_{target._meta.model_name}_change",
            args=[target.pk],
        )
        return format_html('<a href="{}">{}</a>', url, target)

    @admin.display(description="Proposed changes")
    def comparison(self, obj):
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (field, obj.original.get(field, ""), value)
                for field, value in obj.changes.items()
            ),
        )
        return format_html(
            "<table><thead><tr><th>Field</th><th>Published</th><th>Proposed</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Verdicts")
    def verdict_change(self, obj):
        if obj.status != RevisionStatus.PENDING:
            return "—"
        try:
            changes = revision_verdict_preview(revision=obj)
        except ValidationError as error:
            return "Cannot be applied: " + "; ".join(error.messages)
        return verdict_changes_html(changes, verb="accepting")

    def save_model(self, request, obj, form, change):
        try:
            if "_accept" in request.POST:
                revision_accept(revision=obj, user=request.user)
                self.message_user(
                    request, f"Accepted: {obj} is now published.", messages.SUCCESS
                )
            elif "_reject" in request.POST:
                revision_reject(
                    revision=obj,
                    user=request.user,
                    comment=form.cleaned_data.get("review_comment", ""),
                )
                self.message_user(request, f"Rejected {obj}.", messages.SUCCESS)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(
                request,
                "; ".join(getattr(error, "messages", [str(error)])),
                messages.ERROR,
            )

    def response_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:evidence_revision_changelist"))
