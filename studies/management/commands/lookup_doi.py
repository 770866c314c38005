"""Look a DOI up in Crossref; print what it knows, and with --save store it as a study."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from ...crossref import (
    DoiLookupError,
    crossref_fetch,
    doi_checked,
    lookup_change_reason,
    study_fields_from_crossref,
)
from ...models import EntryMethod, Study
from ...services import study_upsert


class Command(BaseCommand):
    help = (
        "Look a DOI up in Crossref and print the study it describes; --save stores it."
    )

    def add_arguments(self, parser):
        parser.add_argument("doi", help="e.g. 10.1016/j.celrep.2018.05.022")
        parser.add_argument(
            "--save", action="store_true", help="store the study (design left blank)"
        )
        parser.add_argument(
            "--user", metavar="USERNAME", help="the curator to record in its history"
        )

    def handle(self, *args, **options):
        try:
            doi = doi_checked(options["doi"])
        except DoiLookupError as error:
            raise CommandError(str(error)) from error
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user {options['user']!r}.")
        existing = Study.objects.filter(doi=doi).first()
        if existing and options["save"]:
            self.stdout.write(self._exists(existing))
            return
        try:
            fields = study_fields_from_crossref(crossref_fetch(doi))
        except DoiLookupError as error:
            raise CommandError(str(error)) from error

        for name, value in fields.items():
            if name == "authors":
                value = "; ".join(value)
            if value not in ("", None):
                self.stdout.write(f"{name}: {value}")
        if existing:
            self.stdout.write(self._exists(existing))
        if not options["save"]:
            return
        try:
            study, outcome = study_upsert(
                fields=fields,
                entry_method=EntryMethod.DOI_LOOKUP,
                entry_source=f"doi:{doi}",
                overwrite=False,
                change_reason=lookup_change_reason(doi),
                user=user,
            )
        except ValidationError as error:
            raise CommandError(
                f"Crossref's record for {doi} is not a valid study: {error.messages}"
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Study #{study.pk} {outcome}: {study.citation} "
                f"({reverse('admin:studies_study_change', args=[study.pk])})"
            )
        )

    def _exists(self, study):
        return (
            f"A study with the DOI {study.doi} already exists: #{study.pk} "
            f"{study.citation} ({reverse('admin:studies_study_change', args=[study.pk])})"
        )
