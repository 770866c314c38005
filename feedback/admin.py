from django.contrib import admin

from .models import ProblemReport


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ["created", "subject", "short_message", "handled"]
    list_filter = ["handled", "created"]
    list_editable = ["handled"]
    list_select_related = ["claim", "study"]
    search_fields = ["message", "email", "claim__statement", "study__title"]
    readonly_fields = ["claim", "study", "message", "email", "created"]
    fields = ["claim", "study", "message", "email", "created", "handled", "editor_note"]

    @admin.display(description="message")
    def short_message(self, report):
        return report.message[:120]

    def get_fields(self, request, obj=None):
        # The reader left an address only for an editor to reply: others
        # who may read reports do not see it.
        fields = super().get_fields(request, obj)
        if self.reads_addresses(request):
            return fields
        return [name for name in fields if name != "email"]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if self.reads_addresses(request):
            return fields
        return [name for name in fields if name != "email"]

    def reads_addresses(self, request):
        return request.user.has_perm("feedback.change_problemreport")

    def has_add_permission(self, request):
        return False  # readers write them, from the pages
