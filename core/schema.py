"""The OpenAPI schema's view of every operation: drf-spectacular's AutoSchema,
plus the errors each operation can answer with, anonymous reads, and CSV
responses as the text they are.

drf-spectacular documents what a view returns when all goes well; the errors
come from DRF, the middleware and our exception handler (core/api.py),
which are the same for every view. Each operation lists the ones that can
happen to it, with a JSON body (``Error`` or ``ValidationError``), except
414, which the web server answers before the app runs.
The API fuzzer (.ci/fuzz.py) holds the app to this.
"""

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from .renderers import CSVRenderer

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong."}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Messages by field or query parameter (`non_field_errors` for the request "
        "as a whole); a nested field gives an object keyed by its own fields or "
        "positions. A request refused as a whole has `detail` instead."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {}},
            {"type": "object", "additionalProperties": {}},
        ]
    },
}

# Status code → (response component, body schema component, description, headers).
ERRORS = {
    301: (
        "MovedPermanently",
        "Error",
        "Renamed: the resource lives at `Location` now.",
        {"Location": {"schema": {"type": "string"}, "required": True}},
    ),
    400: (
        "BadRequest",
        "ValidationError",
        "Invalid input: the messages name each field or parameter at fault.",
        {},
    ),
    401: (
        "Unauthorized",
        "Error",
        "The token is invalid or expired, or the operation needs one.",
        {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    ),
    403: ("Forbidden", "Error", "Your role does not allow this.", {}),
    404: (
        "NotFound",
        "Error",
        "No such resource, page, cursor or response `format`.",
        {},
    ),
    406: (
        "NotAcceptable",
        "Error",
        "None of the media types in `Accept` can be served.",
        {},
    ),
    412: (
        "PreconditionFailed",
        "Error",
        "`If-Match` names an older version of the resource: GET it again.",
        {},
    ),
    413: (
        "ContentTooLarge",
        "Error",
        "The request body is over the size limit.",
        {},
    ),
    414: (
        "URITooLong",
        None,
        (
            "The request line (the address with its query) is longer than the "
            "web server accepts: 4094 bytes under the shipped gunicorn settings. "
            "The server answers before the app runs, so the body is its HTML page."
        ),
        {},
    ),
    415: (
        "UnsupportedMediaType",
        "Error",
        "The body is not JSON, form data or multipart.",
        {},
    ),
    429: (
        "TooManyRequests",
        "Error",
        "Rate limit or sign-in lockout: retry after `Retry-After` seconds.",
        {"Retry-After": {"schema": {"type": "integer"}}},
    ),
    503: (
        "ServiceUnavailable",
        "Error",
        (
            "The database is unavailable, or a write collided with a concurrent "
            "one and was not saved: retry after `Retry-After` seconds."
        ),
        {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
    ),
}

CSV_SCHEMA = {
    "type": "string",
    "description": (
        "CSV text (`format=csv`): for a list, a header row and a row per item, "
        "the whole filtered list; for one resource, a `field,value` row per field."
    ),
}

BODY_SCHEMAS = {"Error": ERROR_SCHEMA, "ValidationError": VALIDATION_ERROR_SCHEMA}

# Permissions under which anyone signed in reads: no 403 on GET.
ANYONE_READS = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
    permissions.DjangoModelPermissionsOrAnonReadOnly,
)


class AutoSchema(openapi.AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        anonymous_reads = any(
            isinstance(permission, permissions.DjangoModelPermissionsOrAnonReadOnly)
            for permission in self.view.get_permissions()
        )
        if (
            anonymous_reads
            and self.method in permissions.SAFE_METHODS
            and {} not in auths
        ):
            auths.append({})
        return auths

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            responses.setdefault(str(code), self._error_response(code))
        return responses

    def _get_response_for_code(self, *args, **kwargs):
        response = super()._get_response_for_code(*args, **kwargs)
        csv = response.get("content", {}).get(CSVRenderer.media_type)
        if csv:
            # The same resource as text, not the JSON structure in CSV clothes.
            csv["schema"] = self._component("CSV", CSV_SCHEMA)
        return response

    def error_codes(self):
        """The error statuses this operation can answer with."""
        view, method = self.view, self.method
        unsafe = method not in permissions.SAFE_METHODS
        has_body = self._get_request_body() is not None
        authenticators = view.get_authenticators()
        perms = view.get_permissions()
        # Every operation negotiates a response format and reads the database,
        # and has an address that can be made too long.
        codes = {404, 406, 414, 503}
        # Writes are validated, some against the state of the resource (a
        # revision accepted twice); lists check their parameters.
        lists = self._is_list_view() and (
            self._get_paginator() or getattr(view, "filter_backends", None)
        )
        # Reads refuse query parameters they do not know
        # (StrictQueryParametersMixin), details included.
        strict = hasattr(view, "accepted_query_parameters")
        if unsafe or lists or strict:
            codes.add(400)
        if has_body:
            codes |= {413, 415}
        if authenticators:
            codes.add(401)
        if unsafe:
            # Permissions, or the CSRF check of a session-authenticated write.
            forbidden = not all(
                isinstance(p, permissions.AllowAny) for p in perms
            ) or any(isinstance(a, SessionAuthentication) for a in authenticators)
        else:
            forbidden = not all(isinstance(p, ANYONE_READS) for p in perms)
        if forbidden:
            codes.add(403)
        if view.get_throttles():
            codes.add(429)
        if method in ("PUT", "PATCH", "DELETE") and hasattr(view, "check_if_match"):
            codes.add(412)
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(
            view, "lookup_field", None
        )
        if getattr(view, "redirects_renamed", False) and f"{{{lookup}}}" in self.path:
            codes.add(301)
        return sorted(codes)

    def _error_response(self, code):
        name, body, description, headers = ERRORS[code]
        if body is None:
            content = {"text/html": {"schema": {"type": "string"}}}
        else:
            content = {
                "application/json": {
                    "schema": self._component(body, BODY_SCHEMAS[body])
                }
            }
        response = {"description": description, "content": content}
        if headers:
            response["headers"] = headers
        return self._component(name, response, ResolvedComponent.RESPONSE)

    def _component(self, name, schema, kind=ResolvedComponent.SCHEMA):
        """A reference to the shared component ``name``, registered once."""
        component = ResolvedComponent(name=name, type=kind, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component.ref
