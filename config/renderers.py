"""Response formats of the API besides JSON and the browsable HTML.

Kept apart from config.api, which imports DRF's views: DRF imports the
renderers named in settings while its views load.
"""

import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """``?format=csv``. Lists stream from the database (see CSVExportMixin);
    this renderer only handles single objects and error responses."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if isinstance(data, dict):
            writer.writerow(["field", "value"])
            for key, value in data.items():
                writer.writerow([key, value])
        elif data is not None:
            writer.writerow([data])
        return buffer.getvalue().encode(self.charset)
