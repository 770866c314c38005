"""Admin forms that refuse to overwrite someone else's edit."""

from django import forms
from django.core.exceptions import ValidationError


class ConcurrentEditForm(forms.ModelForm):
    """Detects that the record changed between opening the form and saving it.

    The form carries the record's ``updated`` time as it was when opened;
    saving refuses, with a clear message, if the stored record has moved on
    since, so that two curators cannot silently overwrite each other.
    """

    loaded_updated = forms.CharField(widget=forms.HiddenInput, required=False)
    #: The form shows another state than the stored one (a revert to an old
    #: version): the check starts from the stored record's time.
    conflict_check_stored = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            updated = self.instance.updated
            if self.conflict_check_stored:
                updated = (
                    type(self.instance)
                    .objects.filter(pk=self.instance.pk)
                    .values_list("updated", flat=True)
                    .first()
                    or updated
                )
            self.initial["loaded_updated"] = updated.isoformat()

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_updated")
        if not (self.instance.pk and loaded):
            return cleaned
        model = type(self.instance)
        current = (
            model.objects.filter(pk=self.instance.pk)
            .values_list("updated", flat=True)
            .first()
        )
        if current is not None and current.isoformat() != loaded:
            latest = self.instance.history.select_related("history_user").first()
            who = (
                str(latest.history_user)
                if latest and latest.history_user
                else "Someone"
            )
            noun = model._meta.verbose_name
            raise ValidationError(
                f"{who} changed this {noun} while you were editing (at {current:%H:%M:%S} UTC). "
                "Your changes were not saved: open it again to see theirs, then re-apply yours.",
                code="edit_conflict",
            )
        return cleaned
