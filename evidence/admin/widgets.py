"""Form widgets for the evidence admin."""

from django.contrib.admin.widgets import AutocompleteSelect


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that renders an already-loaded choice without a query.

    Django's widget looks up its selected option with one query per form,
    which makes an inline of n links cost n queries.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        selected = [str(item) for item in value if item not in (None, "")]
        if self.preloaded is None or selected != [str(self.preloaded.pk)]:
            return super().optgroups(name, value, attr)
        options = (
            [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        )
        options.append(
            self.create_option(
                name,
                str(self.preloaded.pk),
                str(self.preloaded),
                True,
                len(options),
                attrs=attr,
            )
        )
        return [(None, options, 0)]
