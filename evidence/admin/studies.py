"""Studies under the review workflow (the studies app knows nothing of it)."""

from django.contrib import admin

from studies.admin import StudyAdmin
from studies.models import Study

from ..admin_queue import AddedByMeFilter
from .forms import StudyModeratedForm
from .moderated import ModeratedAdmin


class ModeratedStudyAdmin(ModeratedAdmin, StudyAdmin):
    """Studies under the review workflow (the studies app knows nothing of it)."""

    form = StudyModeratedForm
    list_filter = [*StudyAdmin.list_filter, AddedByMeFilter]


admin.site.unregister(Study)
admin.site.register(Study, ModeratedStudyAdmin)
