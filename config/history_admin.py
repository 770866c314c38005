"""History for the curators' admin: who changed what, a diff between any two
versions, and revert for editors only.

simple-history's admin already lists every change with its user and the
fields it touched; this adds the comparison of two chosen versions and keeps
reverting to people who may publish.
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
    #: Permission that allows reverting to an earlier version; None: anyone who may change.
    revert_permission = None

    def revert_disabled(self, request, obj=None):
        if self.revert_permission and not request.user.has_perm(self.revert_permission):
            return True
        return super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied("Only editors can revert to an earlier version.")
        return super().history_form_view(request, object_id, version_id, extra_context)

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
