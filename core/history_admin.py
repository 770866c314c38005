"""History for the curators' admin: who changed what, a diff between any two
versions, and revert for editors only.

simple-history's admin already lists every change with its user and the
fields it touched; this adds the comparison of two chosen versions (linked
from every History page) and keeps reverting published work to people who
may publish.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin


class HistoryIdsMixin:
    """404, not 500, for history addresses whose ids are not ids
    (``/admin/…/1/history/abc/``): simple-history queries with them as given."""

    def _valid_id_or_404(self, field, value):
        try:
            field.to_python(unquote(value))
        except (ValidationError, ValueError, TypeError):
            raise Http404("No such object.") from None

    def history_view(self, request, object_id, extra_context=None):
        self._valid_id_or_404(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._valid_id_or_404(self.model._meta.pk, object_id)
        self._valid_id_or_404(
            self.model.history.model._meta.get_field("history_id"), version_id
        )
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryAdmin(HistoryIdsMixin, SimpleHistoryAdmin):
    #: Permission that allows reverting published work to an earlier version;
    #: None: anyone who may change.
    revert_permission = None
    #: Statuses in which anyone who may change may revert (drafts); None: all.
    revert_open_statuses = None
    object_history_template = "admin/history/object_history.html"

    def revert_disabled(self, request, obj=None):
        if self.revert_permission and not request.user.has_perm(self.revert_permission):
            if self.revert_open_statuses is None or obj is None:
                return True
            # ``obj`` may be the old version: the current record decides.
            current = (
                self.model._default_manager.filter(pk=obj.pk)
                .values_list("status", flat=True)
                .first()
            )
            if current not in self.revert_open_statuses:
                return True
        return super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            obj = self.model._default_manager.filter(pk=unquote(object_id)).first()
        except (ValueError, ValidationError):
            raise Http404("No such object.") from None
        if request.method == "POST" and self.revert_disabled(request, obj):
            raise PermissionDenied("Only editors can revert published work.")
        # The edit-conflict check compares with the current record, not with
        # the old version the form shows.
        request._history_form = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if getattr(request, "_history_form", False):
            form = type(form.__name__, (form,), {"conflict_check_stored": True})
        return form

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.history_compare_view),
                name=f"{info[0]}_{info[1]}_history_compare",
            ),
            *super().get_urls(),
        ]

    def history_compare_view(self, request, object_id):
        """Field-by-field differences between two versions (``?from=…&to=…``)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such object.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = list(
            obj.history.select_related("history_user").order_by(
                "-history_date", "-history_id"
            )
        )
        by_id = {str(record.history_id): record for record in records}
        newer = by_id.get(request.GET.get("to")) or (records[0] if records else None)
        older = by_id.get(request.GET.get("from")) or (
            records[1] if len(records) > 1 else newer
        )
        if newer and older and older.history_date > newer.history_date:
            newer, older = older, newer
        changes = (
            newer.diff_against(older).changes
            if newer and older and newer != older
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions of {obj}",
            "opts": self.model._meta,
            "object": obj,
            "records": records,
            "newer": newer,
            "older": older,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/history/compare.html", context)
