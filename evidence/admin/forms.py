"""Admin forms for moderated items: statuses a user may set, revisable fields, retraction."""

from django import forms
from django.core.exceptions import PermissionDenied

from core.admin_forms import ConcurrentEditForm
from studies.forms import StudyAdminForm

from ..models import IndirectnessReason, Status
from ..workflow import (
    REMOVAL_REASON_FIELD,
    REVISABLE_FIELDS,
    UNPUBLISHED,
    editable_changes,
    is_editor,
    status_change_check,
)


def model_name_of_form(form):
    return form._meta.model._meta.model_name


class ModeratedForm(ConcurrentEditForm):
    """Offers only the statuses the signed-in user may set, and checks the move."""

    user = None  # set per request by ModeratedAdmin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status is not None and self.instance.pk is None:
            status.required = False  # left out: a new item is a draft
        if status is None or self.user is None:
            return
        model_name = self._meta.model._meta.model_name
        if is_editor(self.user, model_name):
            return
        if self.instance.pk and self.instance.status not in UNPUBLISHED:
            status.disabled = True
            status.help_text = (
                "Only editors change the status of published or retracted work."
            )
        else:
            status.choices = [
                choice for choice in status.choices if choice[0] in UNPUBLISHED
            ]
            status.help_text = "Set “In review” to submit it to an editor."

    def clean(self):
        cleaned = super().clean()
        status = self.fields.get("status")
        if (
            self.user is not None
            and status is not None
            and not status.disabled
            and "status" in cleaned
        ):
            try:
                status_change_check(
                    user=self.user,
                    instance=self.instance,
                    new_status=cleaned["status"],
                    comment=cleaned.get("review_comment", ""),
                    reason=cleaned.get(
                        REMOVAL_REASON_FIELD[model_name_of_form(self)], ""
                    ),
                )
            except PermissionDenied as error:
                self.add_error("status", str(error))
        self._refuse_unrevisable(cleaned)
        return cleaned

    def _refuse_unrevisable(self, cleaned):
        """A curator's change to published work may only touch revisable fields."""
        model_name = model_name_of_form(self)
        if not (
            self.user is not None
            and self.instance.pk
            and self.instance.status == Status.PUBLISHED
            and not is_editor(self.user, model_name)
        ):
            return
        revisable = set(REVISABLE_FIELDS[model_name])
        for name in editable_changes(self.instance, dict.fromkeys(self.changed_data)):
            if name not in revisable and name in self.fields:
                self.add_error(
                    name,
                    "Only editors change this field of published work; a suggested "
                    "revision cannot.",
                )


class EvidenceForm(ModeratedForm):
    indirectness_reasons = forms.MultipleChoiceField(
        choices=IndirectnessReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Why the evidence is indirect for this claim.",
    )


class EvidenceInlineForm(ModeratedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            widget = self.fields["study"].widget
            getattr(widget, "widget", widget).preloaded = self.instance.study


def form_for_user(form_class, user):
    return type(form_class.__name__, (form_class,), {"user": user})


class RetractForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Shown to editors with the retracted item; the public no longer sees it.",
    )


class StudyModeratedForm(ModeratedForm, StudyAdminForm):
    pass
