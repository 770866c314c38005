"""The change feed's events: what a mirror of the public data must replay.

Events are written in two steps, so that their order is their commit order:

- a write records a :class:`PendingChange` in its own transaction (kept or
  rolled back with the write it records);
- once that transaction commits, :func:`changes.recording.changes_sequence`
  moves the committed pending rows into :class:`Change` under a lock, so that
  a :class:`Change` with a higher id is never visible before one with a lower
  id. A reader that has seen event *n* has seen every event before it; a
  cursor is an event id.
"""

from django.db import models


class Kind(models.TextChoices):
    CLAIM = "claim", "Claim"
    STUDY = "study", "Study"
    EVIDENCE = "evidence", "Evidence link"


class Action(models.TextChoices):
    CREATE = "create", "Created (already public)"
    UPDATE = "update", "Updated"
    PUBLISH = "publish", "Published (became public)"
    UNPUBLISH = (
        "unpublish",
        "Unpublished (back to draft or review, or hidden with its claim or study)",
    )
    RETRACT = "retract", "Retracted by an editor"
    WITHDRAW = "withdraw", "Withdrawn by an editor"
    DELETE = "delete", "Deleted"


# Actions after which the item is no longer public: a mirror drops it.
REMOVALS = (Action.UNPUBLISH, Action.RETRACT, Action.WITHDRAW, Action.DELETE)


class PendingChange(models.Model):
    """A public change recorded by a transaction not yet sequenced."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    slug = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)

    def __str__(self):
        return f"{self.action} {self.kind} {self.object_id} (pending)"


class Change(models.Model):
    """One public change of a claim, study or evidence link, in commit order."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    slug = models.CharField(
        max_length=255, blank=True, help_text="A claim's slug at the time."
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    # When the change became visible (its commit), not when it was begun: a
    # mirror that started reading at T sees every change committed after T.
    time = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.kind} {self.object_id}"
