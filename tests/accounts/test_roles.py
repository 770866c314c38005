import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def group_permissions(name):
    group = Group.objects.get(name=name)
    return sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    )


@pytest.mark.parametrize("name", sorted(ROLE_PERMISSIONS))
def test_migrations_give_each_role_exactly_its_permissions(name):
    assert group_permissions(name) == sorted(ROLE_PERMISSIONS[name])


def test_editors_can_do_everything_curators_can(name="Editors"):
    assert set(ROLE_PERMISSIONS["Curators"]) <= set(ROLE_PERMISSIONS["Editors"])


def test_sync_roles_recreates_missing_groups(capsys):
    Group.objects.all().delete()
    call_command("sync_roles")
    assert group_permissions("Curators") == sorted(ROLE_PERMISSIONS["Curators"])
    assert (
        f"Editors: {len(ROLE_PERMISSIONS['Editors'])} permissions"
        in capsys.readouterr().out
    )
