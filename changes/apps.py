from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = "Change feed"

    def ready(self):
        from . import recording  # noqa: F401  (connects the recorders)
