"""Editors publish, send back and retract, and review suggested revisions;
curators can see the revisions they and others proposed."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = ["publish_claim", "publish_evidence", "view_revision", "change_revision"]
CURATOR_PERMISSIONS = ["view_revision"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("evidence")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in (("Editors", EDITOR_PERMISSIONS), ("Curators", CURATOR_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="evidence", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=["Editors", "Curators"]):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="evidence", codename__in=EDITOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
        ("evidence", "0002_moderated_publishing"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
