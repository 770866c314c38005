"""Which format an API answer is rendered in.

DRF's negotiation, with two changes a client can rely on: ``?format=`` wins
over the ``Accept`` header (a browser or a data tool sending
``Accept: application/json`` still gets the CSV it asked for by name), and an
unknown format is a 406 that lists the formats there are, not a 404.
"""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        format_query_param = self.settings.URL_FORMAT_OVERRIDE
        wanted = format_suffix or request.query_params.get(format_query_param)
        if wanted:
            for renderer in renderers:
                if renderer.format == wanted:
                    return renderer, renderer.media_type
            formats = ", ".join(renderer.format for renderer in renderers)
            raise NotAcceptable(
                f"Unknown format “{wanted}”. This endpoint answers in: {formats}."
            )
        return super().select_renderer(request, renderers, format_suffix)
