from django import forms


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="What is the token for?",
        help_text="A name you will recognise later, e.g. “meta-analysis notebook”.",
    )
