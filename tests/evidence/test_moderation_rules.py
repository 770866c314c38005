"""Editor-only fields: one rule that the service, the admin and the API share."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from evidence.models import Claim, Status
from evidence.moderation_rules import editor_only_fields
from evidence.workflow import item_save_or_revise
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_editors_change_every_field_curators_not_the_overrides_or_a_stored_slug(
    curator, editor
):
    assert editor_only_fields(editor, "claim") == []
    locked = editor_only_fields(curator, "claim")
    assert {"certainty_override", "direction_override", "slug"} <= set(locked)
    assert "slug" not in editor_only_fields(curator, "claim", existing=False)


def test_the_service_refuses_a_curators_change_of_an_editor_only_field(curator, editor):
    claim = ClaimFactory(status=Status.DRAFT)
    with pytest.raises(PermissionDenied, match="slug"):
        item_save_or_revise(instance=claim, changes={"slug": "renamed"}, user=curator)
    item_save_or_revise(instance=claim, changes={"slug": "renamed"}, user=editor)
    assert Claim.objects.get(pk=claim.pk).slug == "renamed"


def test_the_admin_shows_the_same_fields_read_only(curator, editor):
    claim = ClaimFactory()
    model_admin = site._registry[Claim]
    request = RequestFactory().get("/")
    request.user = curator
    readonly = model_admin.get_readonly_fields(request, claim)
    assert set(editor_only_fields(curator, "claim")) <= set(readonly)
    request.user = editor
    assert "certainty_override" not in model_admin.get_readonly_fields(request, claim)
