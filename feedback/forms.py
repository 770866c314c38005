from django import forms

from .models import ProblemReport


class ProblemReportForm(forms.ModelForm):
    # A honeypot: hidden from people (CSS and aria-hidden), so a value here
    # comes from a bot filling every field.
    website = forms.CharField(required=False, label="Leave this field empty")

    class Meta:
        model = ProblemReport
        fields = ["message", "email"]
        labels = {
            "message": "What is wrong or missing?",
            "email": "Your email (optional)",
        }
        help_texts = {
            "message": "For example a finding that misreads its study, a missing "
            "study, or a broken link. Up to 2,000 characters.",
            "email": "Only if you would like an editor to reply. Not shown anywhere.",
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise forms.ValidationError(
                "Please say what is wrong in a few words (at least 10 characters)."
            )
        return message

    def is_spam(self):
        return bool(self.cleaned_data.get("website"))
