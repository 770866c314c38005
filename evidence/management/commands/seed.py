"""Load the seed data set: its claims, studies and graded evidence links.

Idempotent: a second run finds everything in place and writes nothing (no
new rows, no changed timestamps, no history entries).
"""

import csv
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sitecontent.models import SiteIntro
from studies.models import EntryMethod
from studies.moderation import StudyStatus
from studies.services import CREATED, UNCHANGED, UPDATED, study_upsert

from ...models import Claim, DomainRating, Evidence, Status
from ...services import claim_refresh_deferred

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
CHANGE_REASON = "Seed data set (evidence/seed)"


def _read_csv(name):
    with open(SEED_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _study_fields(row):
    return {
        "title": row["title"],
        "authors": [name.strip() for name in row["authors"].split(";") if name.strip()],
        "authors_et_al": row["authors_et_al"] == "yes",
        "year": int(row["year"]) if row["year"] else None,
        "journal": row["journal"],
        "volume": row.get("volume", ""),
        "issue": row.get("issue", ""),
        "pages": row.get("pages", ""),
        "doi": row["doi"],
        "pmid": row["pmid"],
        "url": row["url"],
        "abstract": row["abstract"],
        "design": row["design"],
        "design_detail": row["design_detail"],
        "population": row["population"],
        "population_detail": row["population_detail"],
        "sample_size": int(row["sample_size"]) if row["sample_size"] else None,
        "dose": row["dose"],
        # The seed is the published record.
        "status": StudyStatus.PUBLISHED,
    }


def _rating(value):
    """A GRADE domain of the seed CSV: an empty cell was never assessed."""
    return value or DomainRating.NOT_ASSESSED


def _grade_fields(row):
    """GRADE's reasons recorded on a seed link (see evidence/verdict.py)."""
    return {
        "risk_of_bias": _rating(row["risk_of_bias"]),
        "indirectness": _rating(row["indirectness"]),
        "indirectness_reasons": [
            code for code in row["indirectness_reasons"].split(";") if code
        ],
        "imprecision": _rating(row["imprecision"]),
        "inconsistency": _rating(row["inconsistency"]),
        "publication_bias": _rating(row["publication_bias"]),
        "large_effect": row["large_effect"] == "yes",
        "dose_response": row["dose_response"] == "yes",
    }


def _effects():
    """Effect sizes of seed links, (study, claim) → fields: only figures a
    source states, with the source's sentence as the link's quote (see
    effects.csv's ``source`` column and the README)."""
    effects = {}
    for row in _read_csv("effects.csv"):
        effects[row["study"], row["claim"]] = {
            "outcome": row["outcome"],
            "comparator": row["comparator"],
            "timepoint": row["timepoint"],
            "effect_measure": row["effect_measure"],
            "quote": row["quote"],
            **{
                name: float(row[name]) if row[name] else None
                for name in ("reported_estimate", "reported_ci_low", "reported_ci_high")
            },
            **{
                name: int(row[name]) if row[name] else None
                for name in ("n_treatment", "n_control")
            },
        }
    return effects


def _save_if_changed(instance, values):
    """Apply ``values``; save only when one of them differs. Returns the outcome."""
    changed = [
        name for name, value in values.items() if getattr(instance, name) != value
    ]
    if instance.pk and not changed:
        return UNCHANGED
    for name in changed:
        setattr(instance, name, values[name])
    created = instance.pk is None
    instance._change_reason = CHANGE_REASON
    instance.save()
    return CREATED if created else UPDATED


class Command(BaseCommand):
    help = (
        "Load the seed data set (claims, studies, evidence links). Safe to run again."
    )

    def handle(self, *args, **options):
        tally = {
            kind: {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
            for kind in ("claims", "studies", "links")
        }
        try:
            with transaction.atomic(), claim_refresh_deferred():
                claims = self._load_claims(tally["claims"])
                self._relate_claims(claims)
                self._load_site_intro()
                studies = self._load_studies(tally["studies"])
                self._load_links(claims, studies, tally["links"])
        except ValidationError as error:
            raise CommandError(
                f"The seed data set is invalid, nothing was loaded: {error}"
            ) from error
        for kind, counts in tally.items():
            self.stdout.write(
                f"{kind}: {counts[CREATED]} created, {counts[UPDATED]} updated, "
                f"{counts[UNCHANGED]} unchanged"
            )
        self.stdout.write(self.style.SUCCESS("Seed data set loaded."))

    def _load_claims(self, tally):
        claims = {}
        with open(SEED_DIR / "claims.json", encoding="utf-8") as handle:
            for row in json.load(handle):
                claim = Claim.objects.filter(slug=row["slug"]).first() or Claim(
                    slug=row["slug"]
                )
                outcome = _save_if_changed(
                    claim,
                    {
                        "statement": row["statement"],
                        "description": row["description"],
                        "aliases": "\n".join(row.get("aliases", [])),
                        "topic": row["topic"],
                        "effect_favours_claim": row.get("effect_favours_claim", ""),
                        "status": Status.PUBLISHED,
                    },
                )
                tally[outcome] += 1
                claims[claim.slug] = claim
        return claims

    def _relate_claims(self, claims):
        """Link the claims the seed names as related (symmetric), adding
        only links that are missing."""
        with open(SEED_DIR / "claims.json", encoding="utf-8") as handle:
            rows = json.load(handle)
        for row in rows:
            claim = claims[row["slug"]]
            wanted = {claims[slug].pk for slug in row.get("related", [])}
            present = set(claim.related_claims.values_list("pk", flat=True))
            if wanted - present:
                claim.related_claims.add(*(wanted - present))

    def _load_site_intro(self):
        """The home page's subject line, introduction and topic order."""
        path = SEED_DIR / "site.json"
        if not path.exists():
            return
        with open(path, encoding="utf-8") as handle:
            values = json.load(handle)
        intro = SiteIntro.objects.filter(pk=SiteIntro.SINGLETON_ID).first()
        intro = intro or SiteIntro()
        changed = [
            name for name, value in values.items() if getattr(intro, name) != value
        ]
        if intro.pk and not changed:
            return
        for name, value in values.items():
            setattr(intro, name, value)
        intro.full_clean()
        intro.save()

    def _load_studies(self, tally):
        studies = {}
        for row in _read_csv("studies.csv"):
            try:
                study, outcome = study_upsert(
                    fields=_study_fields(row),
                    entry_method=EntryMethod.SEED,
                    change_reason=CHANGE_REASON,
                )
            except ValidationError as error:
                raise ValidationError(
                    f"study {row['ref']!r}: {error.messages}"
                ) from error
            tally[outcome] += 1
            studies[row["ref"]] = study
        return studies

    def _load_links(self, claims, studies, tally):
        effects = _effects()
        for row in _read_csv("evidence.csv"):
            claim, study = claims[row["claim"]], studies[row["study"]]
            link = Evidence.objects.filter(
                claim=claim, study=study
            ).first() or Evidence(claim=claim, study=study)
            outcome = _save_if_changed(
                link,
                {
                    "evidence_type": row["evidence_type"],
                    "direction": row["direction"],
                    "finding": row["finding"],
                    "status": Status.PUBLISHED,
                    **_grade_fields(row),
                    **effects.get((row["study"], row["claim"]), {}),
                },
            )
            tally[outcome] += 1
