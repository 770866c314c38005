"""Tombstones: published items an editor took down answer 410 Gone, with why.

A claim or evidence link retracted by an editor, or a study withdrawn, is
gone for good from public view; its address says so, with the reason,
rather than answering 404 as for an address that never existed. The HTML
claim page and the API both ask :func:`tombstone_reason`. A study retracted
by its *publisher* is not gone: it stays public, flagged.
"""

from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException

from studies.models import Study
from studies.moderation import StudyStatus

from .filters import is_claim_id
from .models import Claim, Evidence, Status

NO_REASON = "No reason was recorded."


def tombstone_reason(item) -> str | None:
    """Why ``item`` (a claim, study or link) was taken down, or ``None`` if
    it was not (it may still be unpublished: that is a 404, not a 410)."""
    if isinstance(item, Study):
        if item.status == StudyStatus.WITHDRAWN:
            return item.withdrawal_reason or NO_REASON
        return None
    if item.status == Status.RETRACTED:
        return item.retraction_reason or NO_REASON
    return None


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"

    def __init__(self, item, reason):
        noun = {Claim: "claim", Evidence: "evidence link", Study: "study"}[type(item)]
        self.detail = {
            "detail": f"This {noun} was {item.status} by the editors: {reason}",
            "reason": reason,
            "item_status": item.status,
        }


class TombstoneMixin:
    """Reads of a taken-down item the reader may no longer see answer 410
    with the reason; readers who may still see it (editors) get it as before.

    Views say how to find the item whatever its status: ``tombstone_lookup``
    returns it (or ``None``) from the URL's keyword arguments.
    """

    def tombstone_lookup(self):
        model = self.get_queryset().model
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if not is_claim_id(str(value)):  # ASCII digits that fit a key ("²" does not)
            return None
        return model.objects.filter(pk=int(value)).first()

    def gone_check(self):
        """Raise :class:`Gone` if the item the URL names (not found among
        those the reader may see) was taken down; return otherwise."""
        if self.request.method not in ("GET", "HEAD"):
            return
        item = self.tombstone_lookup()
        reason = tombstone_reason(item) if item is not None else None
        if reason is not None:
            raise Gone(item, reason)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            self.gone_check()
            raise
