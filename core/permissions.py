"""The API's default permission."""

from rest_framework import permissions


class ModelPermissionsOrAnonReadOnly(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """DRF's ``DjangoModelPermissionsOrAnonReadOnly``, without building the
    view's filtered queryset on a read only to learn its model: a method that
    needs no model permission (GET, HEAD, OPTIONS) is allowed as DRF allows
    it, for anyone; writes are checked exactly as DRF checks them."""

    def has_permission(self, request, view):
        if request.method in self.perms_map and not self.perms_map[request.method]:
            return bool(request.user)
        return super().has_permission(request, view)
