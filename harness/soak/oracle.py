"""The verdict after the load: the database against the writers' ledgers,
and every claim's stored assessment against a recomputation from its links."""

from .ledger import LINK_FIELDS, STUDY_FIELDS


def verify(ledger, usernames, run_title):
    """Compare the database with the ledgers; return a list of differences."""
    from evidence.effects import EFFECT_NUMBER_FIELDS
    from evidence.models import Claim, Evidence
    from evidence.profile import empty_counts, evidence_profile
    from evidence.services import stored_assessment
    from evidence.synthesis import main_pooled_effect, pooled, pooled_stored
    from evidence.verdict import LinkAppraisal, claim_verdict
    from studies.models import Study

    problems = []

    def same(kind, pk, stored, expected, source="the writer wrote"):
        for name, value in expected.items():
            if stored[name] != value:
                problems.append(
                    f"{kind} {pk}: {name} is {stored[name]!r}, {source} {value!r}"
                )

    studies = {
        study.pk: study
        for study in Study.objects.filter(pk__in=list(ledger.studies) + list(ledger.deleted_studies))
    }  # fmt: skip
    for pk, expected in ledger.studies.items():
        study = studies.get(pk)
        if study is None:
            problems.append(f"study {pk} is missing")
            continue
        stored = {name: getattr(study, name) for name in STUDY_FIELDS}
        if stored["retraction_date"] is not None:
            stored["retraction_date"] = stored["retraction_date"].isoformat()
        same("study", pk, stored, expected)
    for pk in ledger.deleted_studies & set(studies):
        problems.append(f"study {pk} was deleted (204) but is still stored")

    links = {
        link.pk: link
        for link in Evidence.objects.select_related("claim").filter(
            pk__in=list(ledger.links) + list(ledger.deleted_links)
        )
    }
    for pk, expected in ledger.links.items():
        link = links.get(pk)
        if link is None:
            problems.append(f"evidence link {pk} is missing")
            continue
        stored = {name: getattr(link, name) for name in LINK_FIELDS}
        stored["claim"], stored["study"] = link.claim.slug, link.study_id
        same("evidence link", pk, stored, expected)
    for pk in ledger.deleted_links & set(links):
        problems.append(f"evidence link {pk} was deleted (204) but is still stored")

    # Nothing stored that no writer reported (a write answered with an error
    # that happened all the same, or twice).
    extra_studies = Study.objects.filter(title__startswith=run_title).exclude(
        pk__in=list(ledger.studies)
    )
    extra_links = Evidence.objects.filter(added_by__username__in=usernames).exclude(
        pk__in=list(ledger.links)
    )
    for kind, extra in (("studies", extra_studies), ("evidence links", extra_links)):
        ids = list(extra.values_list("pk", flat=True)[:20])
        if ids:
            problems.append(f"{kind} stored that no writer reported: {ids}")

    for slug, expected in ledger.claims.items():
        claim = Claim.objects.get(slug=slug)
        same("claim", slug, {"description": claim.description}, expected)

    # Every claim's stored profile, certainty and latest version against a
    # recomputation from its links, counted here in plain Python.
    checked = 0
    for claim in Claim.objects.prefetch_related("evidence__study", "versions"):
        counts, appraisals, effect_rows = empty_counts(), [], []
        for link in claim.evidence.all():
            if (
                link.status != "published"
                or link.study.status != "published"
                or link.study.retracted
            ):
                continue
            counts[link.evidence_type][link.direction] += 1
            effect_rows.append(
                {
                    "id": link.pk,
                    "effect_measure": link.effect_measure,
                    **{name: getattr(link, name) for name in EFFECT_NUMBER_FIELDS},
                    "study_sample_size": link.study.sample_size,
                }
            )
            appraisals.append(
                LinkAppraisal(
                    evidence_type=link.evidence_type,
                    direction=link.direction,
                    design=link.study.design,
                    sample_size=link.study.sample_size,
                    risk_of_bias=link.risk_of_bias,
                    indirectness=link.indirectness,
                    indirectness_reasons=tuple(link.indirectness_reasons or ()),
                    imprecision=link.imprecision,
                    inconsistency=link.inconsistency,
                    publication_bias=link.publication_bias,
                    large_effect=link.large_effect,
                    dose_response=link.dose_response,
                )
            )
        profile = evidence_profile(counts)
        pooled_results = pooled(sorted(effect_rows, key=lambda row: row["id"]))
        verdict = claim_verdict(
            appraisals,
            pooled=main_pooled_effect(pooled_results),
            favours=claim.effect_favours_claim,
        )
        expected = stored_assessment(claim=claim, profile=profile, verdict=verdict)
        same("claim", claim.slug, {name: getattr(claim, name) for name in expected}, expected, "recomputed from its links:")  # fmt: skip
        expected_meta = pooled_stored(pooled_results)
        same("claim", claim.slug, {"meta_analyses": claim.meta_analyses}, {"meta_analyses": expected_meta}, "recomputed from its links:")  # fmt: skip
        versions = sorted(claim.versions.all(), key=lambda version: version.number)
        numbers = [version.number for version in versions]
        # claim.version: the latest published version (a claim that left
        # publication keeps it; its withdrawal record is not one).
        public = [
            version.number for version in versions if version.status == "published"
        ]
        if (
            numbers != list(range(1, len(numbers) + 1))
            or claim.version != (public or [0])[-1]
        ):
            problems.append(
                f"claim {claim.slug}: versions {numbers[:5]}… (version {claim.version})"
            )
        if claim.status == "published" and versions:
            latest = versions[-1]
            same(
                f"claim {claim.slug} latest version",
                latest.number,
                {name: getattr(latest, name) for name in ("profile_counts", "evidence_count", "certainty", "verdict_direction", "verdict_text", "strength_score", "description")},
                {name: getattr(claim, name) for name in ("profile_counts", "evidence_count", "certainty", "verdict_direction", "verdict_text", "strength_score", "description")},
                "the claim has",
            )  # fmt: skip
        checked += 1
    return problems, checked
