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

    def has_add_permission(self, request):
        return False  # readers write them, from the pages
