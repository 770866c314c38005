import json

from django import forms
from django.template.defaultfilters import filesizeformat

from core.admin_forms import ConcurrentEditForm

from .crossref import InvalidDoi, doi_checked
from .importers import FORMATS
from .models import Study
from .text import clean_line

# Longer than any real name: a line this long holds several authors.
AUTHOR_NAME_MAX_LENGTH = 200

# The largest file a web worker imports in a few seconds, well inside
# gunicorn's 30 s timeout. Measured through the admin (upload, dry run,
# report page) on the 2-core development machine under load (load average
# 6-7): BibTeX of short entries (117 bytes each) took 4.2-5.0 s for 234 KB
# (2,000 entries) and 9-9.6 s for 468 KB, on PostgreSQL and SQLite alike;
# time goes with the number of entries, so fuller entries (abstracts) take
# less per byte. The review's 4.9 MB file took 31 s and the worker was
# killed. Larger files go through the command, which shows progress and
# has no request time limit.
MAX_UPLOAD_BYTES = 256 * 1024
IMPORT_COMMAND = "python manage.py import_citations FILE"


class CitationImportForm(forms.Form):
    file = forms.FileField(
        help_text="BibTeX (.bib), RIS (.ris) or CSL-JSON (.json), as Zotero, "
        "EndNote, Mendeley or PubMed export them, or a JSON list of publications; "
        f"up to {filesizeformat(MAX_UPLOAD_BYTES)}."
    )
    format = forms.ChoiceField(
        choices=[("", "Detect from the content"), *FORMATS.items()],
        required=False,
    )
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Preview first",
        help_text="Show what the import would do and store nothing yet; the "
        "preview offers to import its valid entries.",
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Skip invalid entries",
        help_text="Without a preview: import the valid entries and list the "
        "others. Otherwise one invalid entry stops the whole import.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; the upload takes files "
                f"up to {filesizeformat(MAX_UPLOAD_BYTES)}, which the web server "
                "imports in a few seconds. Ask an administrator to import it on the "
                f"server with: {IMPORT_COMMAND} (it shows its progress, and has no "
                "time limit)",
                code="too_large",
            )
        return upload


class DoiLookupForm(forms.Form):
    doi = forms.CharField(
        label="DOI",
        max_length=300,
        widget=forms.TextInput(attrs={"class": "vTextField", "autofocus": True}),
        help_text="e.g. 10.1016/j.celrep.2018.05.022 or https://doi.org/10.1016/…",
    )

    def clean_doi(self):
        try:
            return doi_checked(self.cleaned_data["doi"])
        except InvalidDoi as error:
            raise forms.ValidationError(str(error), code="invalid_doi") from error


class AuthorsField(forms.CharField):
    """``Study.authors`` (a JSON list) edited as text, one author per line.

    Names are cleaned like titles (studies/text.py); blank lines are dropped.
    A pasted JSON list of names is accepted too, so that nobody has to learn
    which form the field wants.
    """

    widget = forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "One author per line, in the order of the paper, each as "
            "“Surname Initials”, e.g. Ly C.",
        )
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(name) for name in value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, list | tuple):
            lines = [str(name) for name in value]
        else:
            lines = self._pasted_list(str(value)) or str(value).splitlines()
        names = [clean_line(line) for line in lines]
        for number, name in enumerate(names, start=1):
            if len(name) > AUTHOR_NAME_MAX_LENGTH:
                raise forms.ValidationError(
                    f"Line {number} is {len(name)} characters long, more than any "
                    f"name ({AUTHOR_NAME_MAX_LENGTH} at most): put each author on "
                    "a line of their own.",
                    code="author_too_long",
                )
        return [name for name in names if name]

    @staticmethod
    def _pasted_list(text):
        """The names of a pasted JSON list (``["Ly C", "Greb AC"]``), else None."""
        if not text.lstrip().startswith("["):
            return None
        try:
            names = json.loads(text)
        except ValueError:
            return None
        if isinstance(names, list) and all(isinstance(name, str) for name in names):
            return names
        return None

    def has_changed(self, initial, data):
        try:
            return list(initial or []) != self.to_python(data)
        except forms.ValidationError:
            return True


class StudyAdminForm(ConcurrentEditForm):
    authors = AuthorsField()
    url = forms.URLField(
        label="URL", max_length=500, required=False, assume_scheme="https"
    )
    retraction_url = forms.URLField(
        label="Retraction notice", max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Study
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A browser cuts a pre-filled value at maxlength without a word; an
        # over-long title (from a DOI lookup) is the server's error to show.
        if "title" in self.fields:
            self.fields["title"].widget.attrs.pop("maxlength", None)
