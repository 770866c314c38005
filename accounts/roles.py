"""The two curation roles and their permissions, as they stand today.

Migrations create and extend the groups on a fresh database; this module is
the current definition, used by ``manage.py sync_roles`` (after adding
models, or to repair a database) and by tests that flush the database.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

CURATED = ["evidence.claim", "evidence.evidence", "studies.study"]

ROLE_PERMISSIONS = {
    "Curators": [
        *(
            f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
            for model in CURATED
            for action in ("view", "add", "change")
        ),
        "evidence.view_revision",
        "feedback.view_problemreport",
    ],
    "Editors": [
        *(
            f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
            for model in CURATED
            for action in ("view", "add", "change", "delete")
        ),
        "evidence.publish_claim",
        "evidence.publish_evidence",
        "studies.publish_study",
        "evidence.view_revision",
        "evidence.change_revision",
        "accounts.view_user",
        "accounts.deactivate_user",
        # django-axes: see failed sign-ins and lift a lockout.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
        # The home page's subject line and introduction; readers' reports.
        "sitecontent.view_siteintro",
        "sitecontent.add_siteintro",
        "sitecontent.change_siteintro",
        "feedback.view_problemreport",
        "feedback.change_problemreport",
        "feedback.delete_problemreport",
    ],
}


@transaction.atomic
def roles_sync():
    """Create the role groups and give each exactly its permissions."""
    for name, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for permission in permissions:
            app_label, codename = permission.split(".")
            wanted.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
