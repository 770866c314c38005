"""Plumbing shared by every endpoint of the REST API: pagination, CSV export,
error handling and model validation in serializers."""

import copy
import hashlib
import json
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import UniqueConstraint
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from dataversion import caching

from .exceptions import django_error_details
from .problems import (
    DUPLICATE,
    DUPLICATE_CODES,
    Duplicate,
    error_detail,
    flat_errors,
)
from .renderers import CSVRenderer, ORJSONRenderer, SafeCSVWriter

CSV_CHUNK_ROWS = 2000


class _Echo:
    def write(self, value):
        return value


class CSVExportMixin:
    """Stream the whole filtered list as CSV with ``?format=csv``.

    Rows are read in chunks with a server-side cursor, so the export of a
    hundred thousand rows holds only one chunk in memory. Views define
    ``csv_columns`` (header) and ``csv_row(obj)``.
    """

    csv_columns = ()

    def list(self, request, *args, **kwargs):
        if (
            getattr(request, "accepted_renderer", None)
            and request.accepted_renderer.format == "csv"
        ):
            queryset = self.filter_queryset(self.get_queryset())
            writer = SafeCSVWriter(_Echo())

            def rows():
                yield writer.writerow(self.csv_columns)
                for obj in queryset.iterator(chunk_size=CSV_CHUNK_ROWS):
                    yield writer.writerow(self.csv_row(obj))

            response = StreamingHttpResponse(
                rows(), content_type="text/csv; charset=utf-8"
            )
            filename = f"{self.basename}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return super().list(request, *args, **kwargs)


def representation_etag(data):
    """A strong ETag for a resource's JSON representation.

    Computed from the data rather than the rendered bytes, so that the value a
    client got with GET can be checked again on a write (If-Match).
    """
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:40] + '"'


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "This resource changed since you fetched it (If-Match does not match its ETag). "
        "GET it again, re-apply your change and send the new ETag."
    )
    default_code = "precondition_failed"


class _CachedResponse(Exception):
    def __init__(self, response):
        self.response = response


class ResponseCacheMixin:
    """Anonymous JSON reads served from the cache until data changes.

    Looked up after authentication, permissions and throttling, so a cached
    answer obeys the same rules as a fresh one. Keys carry the data version
    (dataversion/caching.py): any write makes every entry stale.
    """

    _response_cache_key = None

    def response_cache_key(self, request):
        if not (
            settings.API_RESPONSE_CACHE_SECONDS
            and request.method == "GET"
            and self.action in ("list", "retrieve")
            and not request.user.is_authenticated
            and request.accepted_renderer.format == "json"
        ):
            return None
        # The absolute URL: responses hold links built from the host.
        return caching.versioned_key(
            "response",
            f"{request.accepted_media_type}|{request.build_absolute_uri()}",
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = self.response_cache_key(request)
        if key:
            hit = caching.lookup(key)
            if hit is not None:
                content, content_type, etag = hit
                response = HttpResponse(content, content_type=content_type)
                if etag:
                    response["ETag"] = etag
                raise _CachedResponse(response)
        self._response_cache_key = key

    def handle_exception(self, exc):
        if isinstance(exc, _CachedResponse):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            self._response_cache_key
            and response.status_code == 200
            and isinstance(response, Response)
        ):
            response.render()
            caching.store(
                self._response_cache_key,
                (response.content, response["Content-Type"], response.get("ETag")),
                settings.API_RESPONSE_CACHE_SECONDS,
            )
        return response


class StrictQueryParametersMixin:
    """A read with a query parameter the endpoint does not know is a 400.

    Ignoring it would be worse than an error: ``?evidence_typ=controlled``
    would silently return the whole unfiltered list. The accepted names are
    the endpoint's filters, its paging parameters and ``format``.
    """

    # Actions besides ``list`` whose answers are pages.
    paginated_actions = ()

    def accepted_query_parameters(self):
        names = {api_settings.URL_FORMAT_OVERRIDE}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and self.action == "list":
            names.update(filterset_class.base_filters)
        paginator = self.paginator
        if paginator is not None and (
            self.action == "list" or self.action in self.paginated_actions
        ):
            names.update(
                name
                for name in (
                    getattr(paginator, "page_query_param", None),
                    getattr(paginator, "page_size_query_param", None),
                    getattr(paginator, "cursor_query_param", None),
                )
                if name
            )
        return names

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return
        accepted = self.accepted_query_parameters()
        unknown = sorted(set(request.query_params) - accepted)
        if unknown:
            listed = ", ".join(sorted(accepted))
            raise ValidationError(
                {
                    name: [
                        f"Unknown parameter “{name}”. This endpoint accepts: {listed}."
                    ]
                    for name in unknown
                },
                code="unknown_parameter",
            )


class PublicReadViewSet(
    CSVExportMixin,
    StrictQueryParametersMixin,
    ResponseCacheMixin,
    viewsets.ModelViewSet,
):
    """A resource the public reads and curators write.

    Anonymous reads may be cached and revalidated (ConditionalGetMiddleware
    adds the ETag to lists; single resources carry a representation ETag
    that writes can be conditioned on with If-Match); what signed-in curators
    see includes drafts, so it is private to them.
    """

    # DRF's settings hold the renderer classes, imported from their dotted paths.
    renderer_classes = [
        *cast("list[type[BaseRenderer]]", api_settings.DEFAULT_RENDERER_CLASSES),
        CSVRenderer,
    ]

    def retrieve(self, request, *args, **kwargs):
        data = self.retrieve_data(self.get_object())
        response = Response(data)
        response["ETag"] = representation_etag(data)
        return response

    def retrieve_data(self, instance):
        """The representation of one resource, as GET returns it."""
        return self.get_serializer(instance).data

    def current_etag(self):
        """The ETag a GET of this resource would carry now."""
        action, self.action = self.action, "retrieve"
        try:
            return representation_etag(self.retrieve_data(self.get_object()))
        finally:
            self.action = action

    def check_if_match(self, request):
        """Refuse a write whose If-Match names an older representation (412).

        A write without If-Match is accepted, as HTTP allows.
        """
        header = request.headers.get("If-Match")
        if not header or header.strip() == "*":
            return
        # Held until the write commits: a second writer with the same ETag
        # waits, then finds the representation changed.
        instance = self.get_object()
        list(
            type(instance)
            .objects.select_for_update()
            .filter(pk=instance.pk)
            .values_list("pk")
        )
        wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        if self.current_etag() not in wanted:
            raise PreconditionFailed()

    def create(self, request, *args, **kwargs):
        # The new row and what saving it refreshes (a claim's stored profile,
        # certainty and version) are one write: a failure stores neither.
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def get_success_headers(self, data):
        """``Location``: the new resource's address in this API.

        DRF's default uses the resource's ``url`` field, which for a study is
        its external link, not where the client can read it back.
        """
        kwarg = self.lookup_url_kwarg or self.lookup_field
        field = "id" if self.lookup_field == "pk" else self.lookup_field
        value = data.get(field) if isinstance(data, dict) else None
        if value in (None, ""):
            return {}
        return {
            "Location": reverse(
                f"api:{self.basename}-detail",
                kwargs={kwarg: value},
                request=self.request,
            )
        }

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            self.check_if_match(request)
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.check_if_match(request)
            return super().destroy(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code >= 300
            and response.accepted_renderer.format == "csv"
        ):
            # Errors and redirects are JSON whatever format was asked for:
            # their messages as CSV rows would read like data.
            response.accepted_renderer = ORJSONRenderer()
            response.accepted_media_type = ORJSONRenderer.media_type
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(
                    response, public=True, max_age=settings.API_CACHE_MAX_AGE
                )
        patch_vary_headers(response, ["Authorization"])
        return response


class ModelValidationMixin:
    """Run the model's own validation (``full_clean``) in the serializer.

    The models hold the rules (DOI syntax, year range, uniqueness, one link per
    claim and study); running them here turns a violation into a field-level
    400 before anything is written, with the same messages as the admin.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            candidate = self.Meta.model()
        else:
            candidate = copy.copy(self.instance)
            candidate._state = copy.copy(self.instance._state)
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            errors, existing = self._field_errors(error, candidate)
            if existing and all(
                detail.code == DUPLICATE
                for details in errors.values()
                for detail in details
            ):
                # Raised past the serializer, which would rebuild the details
                # and lose which stored object the write duplicates.
                raise Duplicate(
                    [
                        {**item, "existing": existing.get((name, position))}
                        for name, details in errors.items()
                        for position, detail in enumerate(details)
                        for item in flat_errors({name: [detail]})
                    ]
                ) from error
            raise ValidationError(errors) from error
        return attrs

    def _field_errors(self, error, candidate):
        errors, existing = {}, {}
        for field, details in django_error_details(error).items():
            name = field if field == "non_field_errors" else self._api_name_of(field)
            for detail in details:
                unique_fields = self._unique_fields_of(field, detail)
                if unique_fields:
                    detail = error_detail(detail, DUPLICATE)
                    url = self._stored_duplicate_url(candidate, unique_fields)
                    if url:
                        existing[name, len(errors.get(name, ()))] = url
                errors.setdefault(name, []).append(detail)
        return errors, existing

    def _unique_fields_of(self, field, detail):
        """The model fields whose values ``detail`` says are taken, if any."""
        meta = self.Meta.model._meta
        for constraint in meta.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.fields:
                if str(detail) == str(constraint.violation_error_message):
                    return constraint.fields
        if detail.code in DUPLICATE_CODES and field != "non_field_errors":
            return [field]
        return None

    def _stored_duplicate_url(self, candidate, fields):
        model = self.Meta.model
        values = {
            model._meta.get_field(name).attname: getattr(
                candidate, model._meta.get_field(name).attname
            )
            for name in fields
        }
        stored = (
            model._default_manager.filter(**values)
            .exclude(pk=candidate.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if stored is None:
            return None
        return reverse(
            f"api:{model._meta.model_name}-detail",
            args=[stored],
            request=self.context.get("request"),
        )

    def _api_name_of(self, field):
        if field == "__all__":
            return "non_field_errors"
        for name, serializer_field in self.fields.items():
            if serializer_field.source in (field, field.removesuffix("_id")):
                return name
        return field
