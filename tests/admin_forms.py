"""Posting an admin change form as a browser would: every field as shown."""


def shown_form_data(response, **overrides):
    """The data a browser posts back for the admin form in ``response``."""
    form = response.context["adminform"].form
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        data[field.html_name] = "on" if value is True else value
    for inline in response.context.get("inline_admin_formsets", ()):
        management = inline.formset.management_form
        for field in management:
            data[field.html_name] = field.value()
    data.update(overrides)
    return data
