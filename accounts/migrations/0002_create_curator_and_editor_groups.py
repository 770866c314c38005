"""Create the two curation roles with their model permissions.

Curators add and change claims, studies and evidence links; Editors can do
everything Curators can, and delete.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED_MODELS = [("evidence", "claim"), ("evidence", "evidence"), ("studies", "study")]
CURATOR_ACTIONS = ["view", "add", "change"]
EDITOR_ACTIONS = ["view", "add", "change", "delete"]


def ensure_permissions_exist(apps):
    # Permissions are normally created after all migrations have run; a data
    # migration on a fresh database must create them itself.
    for app_label in {app for app, _ in CURATED_MODELS}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions_exist(apps)
    for group_name, actions in (("Curators", CURATOR_ACTIONS), ("Editors", EDITOR_ACTIONS)):
        group, _ = Group.objects.get_or_create(name=group_name)
        for app_label, model in CURATED_MODELS:
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    )
                )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Curators", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("evidence", "0001_initial"),
        ("studies", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
