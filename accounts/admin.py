from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, User


@admin.register(User)
class EvidenceAtlasUserAdmin(UserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
    ]
    list_filter = ["is_active", "is_staff", "groups"]
    actions = ["deactivate"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("accounts.deactivate_user"):
            actions.pop("deactivate", None)
        return actions

    @admin.action(
        description="Deactivate selected users (ends their sessions and API tokens)"
    )
    def deactivate(self, request, queryset):
        refused = queryset.filter(is_superuser=True) | queryset.filter(
            pk=request.user.pk
        )
        if refused.exists():
            self.message_user(
                request,
                "Superusers and your own account cannot be deactivated here.",
                messages.ERROR,
            )
            return
        users = list(queryset.filter(is_active=True))
        for user in users:
            user.is_active = False
            user.save()
        self.message_user(
            request, f"Deactivated {len(users)} user(s).", messages.SUCCESS
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used", "expires"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    fields = ["user", "name", "prefix", "created", "last_used", "expires"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser may change a token's expiry, or clear it (never).
        readonly = ["user", "name", "prefix", "created", "last_used"]
        if not request.user.is_superuser:
            readonly.append("expires")
        return readonly

    def has_add_permission(self, request):
        return False
