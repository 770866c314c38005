"""Form errors shown where the curator looks.

Django opens a collapsed fieldset that holds an error, but only when the
field is listed on a line of its own: a field sharing a line with another
(``("review_comment", "retraction_reason")``) leaves its error hidden in a
closed section. And the note at the top of the form says only "Please correct
the errors below". Here every fieldset holding an error is opened, whatever its
layout, and a message at the top names each field and its error.
"""

from django.contrib import messages
from django.contrib.admin.utils import flatten


def fieldsets_opened(fieldsets, names_with_errors):
    """``fieldsets`` with "collapse" dropped from those holding an error."""
    opened = []
    for name, options in fieldsets:
        classes = list(options.get("classes", ()))
        if "collapse" in classes and names_with_errors & set(
            flatten(options.get("fields", ()))
        ):
            classes.remove("collapse")
            options = {**options, "classes": classes}
        opened.append((name, options))
    return opened


def error_summary(form, label_prefix=""):
    """One line per field in error: "Review comment: say why …"."""
    lines = []
    for name, errors in form.errors.items():
        if name == "__all__":
            continue  # shown at the top of the form already
        if name in form.fields:
            label = form.fields[name].label or form[name].label
        else:
            label = name.replace("_", " ").capitalize()
        lines.append(f"{label_prefix}{label}: {' '.join(errors)}")
    return lines


class ErrorsWhereTheyLookMixin:
    """For a ModelAdmin: open fieldsets in error, name the fields at the top."""

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        adminform = context.get("adminform")
        form = getattr(adminform, "form", None)
        if form is not None and form.is_bound and not form.is_valid():
            adminform.fieldsets = fieldsets_opened(
                adminform.fieldsets, set(form.errors)
            )
            summary = error_summary(form)
        elif form is not None and form.is_bound:
            summary = []
        else:
            return super().render_change_form(
                request, context, add, change, form_url, obj
            )
        for inline in context.get("inline_admin_formsets", ()):
            names = {name for errors in inline.formset.errors for name in errors}
            inline.fieldsets = fieldsets_opened(inline.fieldsets, names)
            noun = inline.formset.model._meta.verbose_name
            for number, inline_form in enumerate(inline.formset.forms, start=1):
                summary += error_summary(
                    inline_form, label_prefix=f"{noun.capitalize()} {number}, "
                )
        if summary:
            messages.error(request, "Not saved. Please correct: " + " · ".join(summary))
        return super().render_change_form(request, context, add, change, form_url, obj)
