"""Editors change the site introduction and deal with readers' reports;
curators read the reports."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": [
        ("sitecontent", "view_siteintro"),
        ("sitecontent", "add_siteintro"),
        ("sitecontent", "change_siteintro"),
        ("feedback", "view_problemreport"),
        ("feedback", "change_problemreport"),
        ("feedback", "delete_problemreport"),
    ],
    "Curators": [("feedback", "view_problemreport")],
}


def _permissions(apps, grants):
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in grants
    ]


def grant(apps, schema_editor):
    for label in ("sitecontent", "feedback"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, grants))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, grants in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*_permissions(apps, grants))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_merge_token_expiry_and_study_publishing"),
        ("sitecontent", "0001_site_intro"),
        ("feedback", "0001_problem_report"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
