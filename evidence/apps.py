from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence"

    def ready(self):
        from . import signals  # noqa: F401  (connects the profile refresh)
