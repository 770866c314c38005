"""A model's ValidationError made fit for a form or an API answer."""

from django.core.exceptions import NON_FIELD_ERRORS


def errors_moved_to_fields(error, field_of_code):
    """``error`` as a field → errors dict, non-field errors with a known code moved to their field."""
    moved = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            target = (
                field_of_code.get(item.code, field)
                if field == NON_FIELD_ERRORS
                else field
            )
            moved.setdefault(target, []).append(item)
    return moved
