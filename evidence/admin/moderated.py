"""Admin behaviour shared by moderated items (claims, links, studies): saves, reviews, retraction."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.history_admin import HistoryAdmin

from ..models import Status
from ..workflow import (
    PUBLISH_PERMISSIONS,
    REMOVED_STATUS,
    UNPUBLISHED,
    SaveOutcome,
    is_editor,
    item_remove,
    item_save_or_revise,
    items_set_status,
    may_delete,
    publish_verdict_preview,
)
from .errors import ErrorsWhereTheyLookMixin
from .forms import ModeratedForm, RetractForm, form_for_user
from .rendering import verdict_changes_html


class SaveReport:
    """What one admin save did to the item and its inline links, for a true message."""

    def __init__(self):
        self.item: SaveOutcome | None = None
        self.links: list[SaveOutcome] = []
        self.links_added = 0

    @property
    def saved_anything(self):
        return bool(
            (self.item and self.item.saved)
            or any(outcome.saved for outcome in self.links)
            or self.links_added
        )

    @property
    def held_anything(self):
        return bool(
            (self.item and self.item.revision)
            or any(outcome.revision for outcome in self.links)
        )

    def message(self, noun):
        """One message that says exactly what was saved, held and left unchanged."""
        parts = []
        item = self.item
        if item is not None and item.saved:
            parts.append(f"Saved the {noun}'s {', '.join(item.saved)}.")
        if item is not None and item.revision is not None:
            parts.append(
                f"Your change to the {noun}'s {', '.join(item.held)} was saved as "
                f"suggested revision #{item.revision.pk}. The published version stays "
                "public until an editor accepts it."
            )
        saved = [outcome for outcome in self.links if outcome.saved]
        held = [outcome for outcome in self.links if outcome.revision]
        if self.links_added:
            parts.append(f"{self.links_added} evidence link(s) added.")
        if saved:
            parts.append(f"{len(saved)} evidence link(s) saved.")
        if held:
            numbers = ", ".join(f"#{outcome.revision.pk}" for outcome in held)
            parts.append(
                f"Changes to {len(held)} published evidence link(s) were saved as "
                f"suggested revisions ({numbers})."
            )
        if not parts:
            return "Nothing was changed."
        if item is not None and item.unchanged and (saved or held or self.links_added):
            parts.insert(0, f"The {noun} itself was unchanged.")
        return " ".join(parts)


def save_report(request) -> SaveReport:
    if not hasattr(request, "_save_report"):
        request._save_report = SaveReport()
    return request._save_report


class ModeratedAdmin(ErrorsWhereTheyLookMixin, HistoryAdmin):
    """Admin behaviour shared by claims and evidence links (see evidence.workflow)."""

    form = ModeratedForm
    actions = ["submit_for_review", "publish"]

    revert_open_statuses = UNPUBLISHED

    @property
    def revert_permission(self):
        return PUBLISH_PERMISSIONS[self.model._meta.model_name]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_delete_permission(self, request, obj=None):
        # Curators delete their own never-published drafts; published work
        # goes to the retract view (delete_view) whoever asks.
        if obj is not None and obj.status in UNPUBLISHED and not obj.ever_published:
            return may_delete(user=request.user, instance=obj)
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = form_for_user(self.form, request.user)
        return super().get_form(request, obj, **kwargs)

    def _previews_publishing(self, request, obj):
        return (
            obj is not None
            and obj.status in UNPUBLISHED
            and is_editor(request.user, self.model._meta.model_name)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self._previews_publishing(request, obj):
            fieldsets.insert(1, ("If published", {"fields": ["publish_preview"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._previews_publishing(request, obj):
            readonly.append("publish_preview")
        return readonly

    @admin.display(description="Verdicts")
    def publish_preview(self, obj):
        return verdict_changes_html(
            publish_verdict_preview(items=[obj]), verb="publishing"
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop(
            "delete_selected", None
        )  # published work is retracted one by one, with a reason
        if not is_editor(request.user, self.model._meta.model_name):
            actions.pop("publish", None)
        return actions

    @admin.action(description="Submit selected for review")
    def submit_for_review(self, request, queryset):
        self._set_status(
            request, queryset.filter(status=Status.DRAFT), Status.IN_REVIEW
        )

    @admin.action(description="Publish selected")
    def publish(self, request, queryset):
        items = list(queryset.filter(status__in=UNPUBLISHED).order_by("pk"))
        if request.POST.get("confirm") != "yes" and items:
            # Editors see how the verdicts move before anything is published.
            context = {
                **self.admin_site.each_context(request),
                "title": f"Publish {len(items)} {self.model._meta.verbose_name_plural}",
                "opts": self.model._meta,
                "items": items,
                "preview": verdict_changes_html(
                    publish_verdict_preview(items=items), verb="publishing"
                ),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/evidence/publish_confirm.html", context
            )
        self._set_status(request, items, Status.PUBLISHED)

    def _set_status(self, request, items, new_status):
        try:
            moved = items_set_status(
                items=list(items), user=request.user, new_status=new_status
            )
        except (PermissionDenied, ValidationError) as error:
            self.message_user(
                request,
                f"Nothing changed: {'; '.join(getattr(error, 'messages', [str(error)]))}",
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            f"{moved} item(s) now {Status(new_status).label.lower()}.",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            if hasattr(obj, "added_by_id") and obj.added_by_id is None:
                obj.added_by = request.user
            super().save_model(request, obj, form, change)
            return
        save_report(request).item = item_save_or_revise(
            instance=obj, changes=form.cleaned_data, user=request.user
        )

    def log_change(self, request, obj, message):
        report = getattr(request, "_save_report", None)
        if report is None or report.saved_anything:
            return super().log_change(request, obj, message)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # Django's "was changed successfully" is replaced by the save report.
        if (
            getattr(request, "_save_report", None) is not None
            and level == messages.SUCCESS
        ):
            return
        super().message_user(request, message, level, *args, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        request._save_report = None  # a new item: Django's own message is true
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        report = getattr(request, "_save_report", None)
        if report is not None:
            level = (
                messages.WARNING
                if report.held_anything
                else messages.SUCCESS
                if report.saved_anything
                else messages.INFO
            )
            messages.add_message(
                request, level, report.message(self.model._meta.verbose_name)
            )
        return super().response_change(request, obj)

    def _url_name(self, view):
        return (
            f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"
        )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/retract/",
                self.admin_site.admin_view(self.retract_view),
                name=f"{info[0]}_{info[1]}_retract",
            ),
            *super().get_urls(),
        ]

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and (obj.status not in UNPUBLISHED or obj.ever_published):
            if not is_editor(request.user, self.model._meta.model_name):
                raise PermissionDenied("Only editors retract published work.")
            return HttpResponseRedirect(
                reverse(self._url_name("retract"), args=[obj.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def retract_view(self, request, object_id):
        """Removing published work: a retraction with a reason, not a deletion."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such item.")
        if not is_editor(request.user, self.model._meta.model_name):
            raise PermissionDenied("Only editors retract published work.")
        removed = REMOVED_STATUS[self.model._meta.model_name]
        verb = "Withdraw" if removed == "withdrawn" else "Retract"
        form = RetractForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = item_remove(
                    instance=obj, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                self.message_user(
                    request, f"{outcome.capitalize()}: {obj}", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse(self._url_name("change"), args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} {self.model._meta.verbose_name}",
            "verb": verb,
            "opts": self.model._meta,
            "object": obj,
            "form": form,
        }
        return TemplateResponse(request, "admin/evidence/retract.html", context)
