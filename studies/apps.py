from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class StudiesConfig(AppConfig):
    name = "studies"
    verbose_name = "Studies"

    def ready(self):
        from .search import register_sqlite_functions, sqlite_search_tables_ensure

        connection_created.connect(
            register_sqlite_functions, dispatch_uid="atlas_search_functions"
        )
        post_migrate.connect(
            sqlite_search_tables_ensure,
            sender=self,
            dispatch_uid="atlas_search_tables",
        )
