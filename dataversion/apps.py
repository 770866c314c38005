from django.apps import AppConfig
from django.db.backends.signals import connection_created


class DataVersionConfig(AppConfig):
    name = "dataversion"
    verbose_name = "Data version"

    def ready(self):
        from .version import watch_writes

        # Every connection of every process (web, management commands, the
        # shell) notices its own writes.
        connection_created.connect(watch_writes, dispatch_uid="dataversion-watch")
