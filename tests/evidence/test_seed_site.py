"""The seed sets the home page's text and the related claims, idempotently."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from evidence.management.commands.seed import SEED_DIR
from evidence.models import Claim
from sitecontent.models import SiteIntro

pytestmark = pytest.mark.django_db


def test_seed_sets_the_site_intro_and_related_claims_once():
    call_command("seed", stdout=StringIO())
    site = json.loads((SEED_DIR / "site.json").read_text())
    intro = SiteIntro.objects.get()
    assert (intro.subject, intro.intro) == (site["subject"], site["intro"])
    rows = json.loads((SEED_DIR / "claims.json").read_text())
    for row in rows:
        claim = Claim.objects.get(slug=row["slug"])
        related = set(claim.related_claims.values_list("slug", flat=True))
        assert set(row.get("related", [])) <= related
        for slug in row.get("related", []):  # symmetric
            other = Claim.objects.get(slug=slug)
            assert other.related_claims.filter(pk=claim.pk).exists()
    updated = intro.updated
    call_command("seed", stdout=StringIO())
    assert SiteIntro.objects.get().updated == updated
