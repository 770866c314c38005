"""The one row of site text: what the site covers and what it does.

A layer below the domain apps: it imports none of them.
"""

from django.db import models

# Shown until editors write their own: says what the site does, names no subject.
DEFAULT_SUBJECT = "Claims and the evidence behind them"
DEFAULT_INTRO = (
    "Evidence Atlas links claims to the studies behind them and grades every "
    "link by the kind of evidence it is and the way it points. Each claim has "
    "one verdict that says where the best studies point and how far they can "
    "be trusted."
)


def topic_order_parse(text):
    """The topics named in ``text`` (comma- or line-separated), in order."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class SiteIntro(models.Model):
    """The home page's subject line and introduction, and the order of its
    topics. A singleton: there is at most one row, with id 1."""

    SINGLETON_ID = 1

    subject = models.CharField(
        max_length=200,
        help_text="The heading of the home page: the subject the claims are about.",
    )
    intro = models.TextField(
        max_length=600,
        help_text=(
            "Two sentences under the heading: what the subject is and what "
            "the site does with it. Keep it short: it must fit a phone's first screen."
        ),
    )
    topic_order = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "The topics of the home page in order, separated by commas, e.g. "
            "“effect, risk, mechanism”; topics left out follow in their usual order."
        ),
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site introduction"
        verbose_name_plural = "site introduction"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="site_intro_is_a_singleton"
            )
        ]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    @classmethod
    def current(cls):
        """The stored introduction, or an unsaved one with the defaults."""
        return cls.objects.filter(pk=cls.SINGLETON_ID).first() or cls(
            subject=DEFAULT_SUBJECT, intro=DEFAULT_INTRO
        )

    def ordered_topics(self, topics):
        """Every value of ``topics``, those named in ``topic_order`` first.

        The app that defines the topics passes them in (and checks the order
        editors type, evidence/admin/site_intro.py): this app knows none.
        """
        named = [name for name in topic_order_parse(self.topic_order) if name in topics]
        named = list(dict.fromkeys(named))
        return named + [topic for topic in topics if topic not in named]
