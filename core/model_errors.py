"""A model's ValidationError made fit for a form or an API answer."""

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def errors_moved_to_fields(
    error: ValidationError, field_of_code: Mapping[str, str]
) -> dict[str, list[ValidationError]]:
    """``error`` as a field → errors dict, non-field errors with a known code moved to their field."""
    moved: dict[str, list[ValidationError]] = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            target = (
                field_of_code.get(item.code or "", field)
                if field == NON_FIELD_ERRORS
                else field
            )
            moved.setdefault(target, []).append(item)
    return moved
