"""The OpenAPI schema's view of every operation: drf-spectacular's AutoSchema,
plus the errors each operation can answer with, anonymous reads, and CSV
responses as the text they are.

drf-spectacular documents what a view returns when all goes well; the errors
come from DRF, the middleware and our exception handler (core/exceptions.py),
which are the same for every view. Each operation lists the ones that can
happen to it, with an RFC 9457 problem body (``Problem``, core/problems.py), except
414, which the web server answers before the app runs.
The API fuzzer (.ci/fuzz.py) holds the app to this.
"""

from typing import cast

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from .problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from .renderers import CSVRenderer

PROBLEM_SCHEMA = {
    "type": "object",
    "description": (
        "An RFC 9457 problem (`application/problem+json`). Branch on `code` (and "
        "each error's `code`), never on the English of `detail`."
    ),
    "properties": {
        "type": {
            "type": "string",
            "description": "URI of the problem type: `urn:evidence-atlas:problem:` + `code`.",
        },
        "title": {"type": "string", "description": "The problem type in words."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, this time."},
        "code": {
            "type": "string",
            "description": (
                "Stable machine-readable code: e.g. `invalid`, `duplicate`, "
                "`unknown_parameter`, `not_found`, `not_authenticated`, "
                "`permission_denied`, `throttled`, `precondition_failed`."
            ),
        },
        "errors": {
            "type": "array",
            "description": "Each invalid field or query parameter (400, 409).",
            "items": {"$ref": "#/components/schemas/ProblemError"},
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}
PROBLEM_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "field": {
            "type": "string",
            "nullable": True,
            "description": (
                "The body field or query parameter at fault, dotted for nested "
                "ones (`authors.0`); null for the request as a whole."
            ),
        },
        "code": {
            "type": "string",
            "description": (
                "Stable code, e.g. `required`, `null`, `blank`, `invalid`, "
                "`invalid_choice`, `max_value`, `min_value`, `max_length`, "
                "`does_not_exist`, `duplicate`, `unknown_parameter`."
            ),
        },
        "detail": {"type": "string"},
        "existing": {
            "type": "string",
            "nullable": True,
            "description": "For a `duplicate`: the API URL of the stored object.",
        },
    },
    "required": ["field", "code", "detail"],
}

# Status code → (response component, body schema component, description, headers).
ERRORS = {
    301: (
        "MovedPermanently",
        "Problem",
        "Renamed: the resource lives at `Location` now.",
        {"Location": {"schema": {"type": "string"}, "required": True}},
    ),
    400: (
        "BadRequest",
        "Problem",
        "Invalid input: `errors` names each field or parameter at fault.",
        {},
    ),
    401: (
        "Unauthorized",
        "Problem",
        "The token is invalid or expired, or the operation needs one.",
        {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    ),
    403: ("Forbidden", "Problem", "Your role does not allow this.", {}),
    404: (
        "NotFound",
        "Problem",
        "No such resource, page, cursor or response `format`.",
        {},
    ),
    406: (
        "NotAcceptable",
        "Problem",
        "None of the media types in `Accept` can be served.",
        {},
    ),
    409: (
        "Conflict",
        "Problem",
        (
            "The write conflicts with stored data: code `duplicate` (a DOI, PMID "
            "or claim–study link that exists already; `errors` names the field), "
            "`protected` (still cited), `stale_revision` or `conflict`."
        ),
        {},
    ),
    410: (
        "Gone",
        "GoneProblem",
        (
            "Taken down by the editors (a claim or link retracted, a study "
            "withdrawn): `reason` says why. A claim's cited versions stay "
            "readable. A study retracted by its publisher is not gone: it "
            "answers 200, flagged `retracted`."
        ),
        {},
    ),
    412: (
        "PreconditionFailed",
        "Problem",
        "`If-Match` names an older version of the resource: GET it again.",
        {},
    ),
    413: (
        "ContentTooLarge",
        "Problem",
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
        "Problem",
        "The body is not JSON, form data or multipart.",
        {},
    ),
    429: (
        "TooManyRequests",
        "Problem",
        "Rate limit or sign-in lockout: retry after `Retry-After` seconds.",
        {"Retry-After": {"schema": {"type": "integer"}}},
    ),
    503: (
        "ServiceUnavailable",
        "Problem",
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
        "the whole filtered list, with the columns of the data release's file; "
        "for one resource, a `field,value` row per field, nested fields flattened "
        "into dotted names (`verdict.direction`, `evidence.0.id`). Booleans are "
        "`true`/`false`, null is an empty cell, timestamps are UTC with `Z`."
    ),
}

GONE_PROBLEM_SCHEMA = {
    **PROBLEM_SCHEMA,
    "description": "A problem with code `gone`, and why the item was taken down.",
    "properties": {
        **cast("dict[str, object]", PROBLEM_SCHEMA["properties"]),
        "reason": {"type": "string", "description": "Why the editors took it down."},
        "item_status": {
            "type": "string",
            "description": "`retracted` (a claim or link) or `withdrawn` (a study).",
        },
    },
    "required": [
        *cast("list[str]", PROBLEM_SCHEMA["required"]),
        "reason",
        "item_status",
    ],
}

BODY_SCHEMAS = {"Problem": PROBLEM_SCHEMA, "GoneProblem": GONE_PROBLEM_SCHEMA}

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

    def get_operation(self, *args, **kwargs):
        # drf-spectacular's public entry point; the errors and the CSV
        # bodies are added to the operation it built.
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for response in responses.values():
            csv = response.get("content", {}).get(CSVRenderer.media_type)
            if csv:
                # The same resource as text, not the JSON structure in CSV clothes.
                csv["schema"] = self._component("CSV", CSV_SCHEMA)
        for code in self.error_codes():
            responses.setdefault(str(code), self._error_response(code))
        return operation

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
        if unsafe:
            # A duplicate, a row still cited, or a concurrent write (409).
            codes.add(409)
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
        # Views with tombstones (evidence/tombstones.py) answer a read of a
        # taken-down item with 410.
        # drf-spectacular names a ``pk`` lookup ``id`` in the path.
        names_one_item = f"{{{lookup}}}" in self.path or (
            lookup == "pk" and "{id}" in self.path
        )
        if method == "GET" and hasattr(view, "gone_check") and names_one_item:
            codes.add(410)
        return sorted(codes)

    def _error_response(self, code):
        name, body, description, headers = ERRORS[code]
        if body is None:
            content = {"text/html": {"schema": {"type": "string"}}}
        else:
            self._component("ProblemError", PROBLEM_ERROR_SCHEMA)
            content = {
                PROBLEM_MEDIA_TYPE: {
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
