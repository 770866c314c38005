"""URLs of list items without resolving a URL pattern per item.

``reverse()`` walks the URL patterns on every call; a list of 100 items with
five links each called it 500 times per request. Here each view's URL is
reversed once per origin (scheme, host, script prefix and API version) with
a placeholder argument, and an item's URL is that template with the
placeholder replaced by the argument, quoted as ``reverse()`` quotes it. The
result is the same string ``rest_framework.reverse.reverse`` returns.
"""

from urllib.parse import quote

from django.urls import get_script_prefix
from django.urls import reverse as django_reverse
from django.utils.http import RFC3986_SUBDELIMS
from rest_framework.reverse import reverse as api_reverse
from rest_framework.settings import api_settings

PLACEHOLDER = "987654321"  # valid for the int, slug and str converters
_TEMPLATES: dict = {}
_MAX_TEMPLATES = 1000  # origins are few (ALLOWED_HOSTS); a bound all the same


def _origin(request):
    if request is None:
        return None, get_script_prefix()
    origin = getattr(request, "_reversing_origin", None)
    if origin is None:
        origin = request._reversing_origin = (
            request.build_absolute_uri("/"),
            get_script_prefix(),
            getattr(request, "version", None),
            # DRF's reverse() keeps ``?format=`` (preserve_builtin_query_params):
            # a CSV request's templates must not serve the JSON ones.
            request.GET.get(api_settings.URL_FORMAT_OVERRIDE or ""),
        )
    return origin


def _template(viewname, request, api, with_argument):
    key = (viewname, api, with_argument, _origin(request))
    template = _TEMPLATES.get(key)
    if template is None:
        args = [PLACEHOLDER] if with_argument else None
        if api:
            url = api_reverse(viewname, args=args, request=request)
        else:
            url = django_reverse(viewname, args=args)
            if request is not None:
                url = request.build_absolute_uri(url)
        template = url.split(PLACEHOLDER) if with_argument else [url]
        if len(template) > 2:
            raise ValueError(f"{viewname}'s URL holds the placeholder {PLACEHOLDER}")
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        _TEMPLATES[key] = template
    return template


def _quoted(argument):
    # As django.urls.resolvers.URLResolver._reverse_with_prefix quotes.
    return quote(str(argument), safe=RFC3986_SUBDELIMS + "/~:@")


def api_url(viewname, request, argument=None):
    """``rest_framework.reverse.reverse(viewname, args=[argument], request=request)``
    (absolute when there is a request), or without ``args`` when
    ``argument`` is ``None``."""
    template = _template(viewname, request, True, argument is not None)
    return _quoted(argument).join(template) if argument is not None else template[0]


def page_url(viewname, request, argument):
    """A reader page's URL, ``reverse(viewname, args=[argument])``, absolute
    when there is a request."""
    return _quoted(argument).join(_template(viewname, request, False, True))


def clear():
    """Forget the templates (tests that change the URL configuration)."""
    _TEMPLATES.clear()
