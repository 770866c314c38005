"""The evidence admin, one module per admin; importing this package registers them."""

from django.contrib import admin

from . import (  # noqa: F401  (registers)
    claims,
    links,
    releases,
    revisions,
    site_intro,
    studies,
)

admin.site.site_header = "Evidence Atlas curation"
admin.site.site_title = "Evidence Atlas"
admin.site.index_title = "Claims, studies and evidence"
