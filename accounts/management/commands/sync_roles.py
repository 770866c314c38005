from django.core.management.base import BaseCommand

from accounts.roles import ROLE_PERMISSIONS, roles_sync


class Command(BaseCommand):
    help = "Create the Curators and Editors groups and set their permissions."

    def handle(self, *args, **options):
        roles_sync()
        for name, permissions in ROLE_PERMISSIONS.items():
            self.stdout.write(f"{name}: {len(permissions)} permissions")
