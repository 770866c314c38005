from django.db import models
from django.db.models import Q


class DataVersion(models.Model):
    """The one row holding the data version (dataversion.version)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="dataversion_one_row")
        ]

    def __str__(self):
        return str(self.version)
