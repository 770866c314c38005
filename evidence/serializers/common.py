"""What the written resources share: status moves through evidence.workflow,
and the help texts of the GRADE, effect and workflow fields."""

from ..workflow import REMOVAL_REASON_FIELD, status_change_check


class WorkflowMixin:
    """Status changes go through evidence.workflow (403 when an editor is needed)."""

    def validate(self, attrs):
        new_status = attrs.get("status")
        request = self.context.get("request")
        if new_status is not None and request is not None:
            instance = self.instance or self.Meta.model()
            reason_field = REMOVAL_REASON_FIELD[instance._meta.model_name]
            status_change_check(
                user=request.user,
                instance=instance,
                new_status=new_status,
                comment=attrs.get(
                    "review_comment", getattr(self.instance, "review_comment", "")
                ),
                reason=attrs.get(
                    reason_field, getattr(self.instance, reason_field, "")
                ),
            )
        return super().validate(attrs)


DOMAIN_HELP = (
    "GRADE: not_assessed (the default; the rule then judges what the data allows), "
    "not_serious, serious or very_serious."
)


GRADE_FIELDS_HELP = {
    "risk_of_bias": DOMAIN_HELP,
    "indirectness": DOMAIN_HELP,
    "indirectness_reasons": (
        "Why the evidence is indirect: any of animal_or_in_vitro, healthy_volunteers, "
        "full_dose, surrogate_outcome."
    ),
    "imprecision": DOMAIN_HELP,
    "inconsistency": DOMAIN_HELP,
    "publication_bias": DOMAIN_HELP,
    "large_effect": "A reason to trust the evidence more.",
    "dose_response": "A dose-response gradient: a reason to trust the evidence more.",
}


_ARM = "Arm data: give all of it for both arms, for a measure of its kind"


EFFECT_FIELDS_HELP = {
    "outcome": "The outcome of the effect, e.g. depression severity (MADRS).",
    "comparator": "What the treatment is compared with, e.g. placebo.",
    "timepoint": "When the outcome was measured, e.g. week 3.",
    "effect_measure": (
        "smd (Hedges' g), md (mean difference), log_rr or log_or; treatment minus "
        "control. Needs arm data or a reported estimate."
    ),
    **{
        f"{what}_{arm}": f"{_ARM} ({kind})."
        for what, kind in (
            ("mean", "smd, md"),
            ("sd", "smd, md; not negative"),
            ("events", "log_rr, log_or; at most the arm's n"),
        )
        for arm in ("treatment", "control")
    },
    **{
        f"n_{arm}": "Participants in the arm (at least 2); may accompany a reported estimate."
        for arm in ("treatment", "control")
    },
    "reported_estimate": (
        "Instead of arm data: the reported estimate on the measure's scale (log "
        "scale for ratios), inside its 95% CI."
    ),
    "reported_ci_low": "Lower bound of the reported 95% CI.",
    "reported_ci_high": "Upper bound of the reported 95% CI.",
}


WORKFLOW_FIELDS_HELP = {
    "status": "draft, in_review (curators); published, retracted (editors).",
    "review_comment": "An editor's note when sending the item back to draft.",
    "retraction_reason": "Required when an editor retracts published work.",
}
