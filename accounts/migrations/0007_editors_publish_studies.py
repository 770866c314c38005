"""Editors publish, send back and withdraw studies, as they do claims and links."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("studies")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        Permission.objects.get(content_type__app_label="studies", codename="publish_study")
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="studies", codename="publish_study")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_editors_deactivate_users_and_see_failed_sign_ins"),
        ("studies", "0005_study_review_workflow"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
