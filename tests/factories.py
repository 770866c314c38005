import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import roles_sync
from evidence.models import (
    Claim,
    Direction,
    DomainRating,
    Evidence,
    EvidenceType,
    Status,
    Topic,
)
from studies.models import Design, Dose, Population, Study
from studies.moderation import StudyStatus


def in_groups(*default_names):
    """Post-generation: put the user in these groups (or in those passed in)."""

    def add_to_groups(user, create, extracted, **kwargs):
        names = extracted or default_names
        if not create or not names:
            return
        if Group.objects.filter(name__in=names).count() < len(names):
            roles_sync()  # a transactional test flushed what migrations made
        user.groups.add(*Group.objects.filter(name__in=names))

    return factory.PostGeneration(add_to_groups)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")
    groups = in_groups()


class CuratorFactory(UserFactory):
    is_staff = True
    groups = in_groups("Curators")


class EditorFactory(UserFactory):
    is_staff = True
    groups = in_groups("Editors")


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study

    title = factory.Sequence(
        lambda n: f"A randomised trial of compound {n} for low mood"
    )
    authors = factory.LazyFunction(lambda: ["Doe J", "Roe R", "Poe P", "Moe M"])
    year = 2021
    journal = "Journal of Examples"
    doi = factory.Sequence(lambda n: f"10.5555/example.{n}")
    design = Design.RCT
    population = Population.CLINICAL
    dose = Dose.MICRO
    sample_size = 40
    # Published unless a test says otherwise, as claims and links are.
    status = StudyStatus.PUBLISHED


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.Sequence(lambda n: f"Compound {n} reduces symptoms of low mood")
    description = "A claim made for the tests."
    topic = Topic.EFFECT
    status = Status.PUBLISHED


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    study = factory.SubFactory(StudyFactory)
    evidence_type = EvidenceType.CONTROLLED
    direction = Direction.SUPPORTS
    finding = "The treated group improved more than the placebo group."
    status = Status.PUBLISHED
    # A curator who assessed every GRADE domain and found nothing serious;
    # tests of "not assessed" say so.
    risk_of_bias = DomainRating.NOT_SERIOUS
    indirectness = DomainRating.NOT_SERIOUS
    imprecision = DomainRating.NOT_SERIOUS
    inconsistency = DomainRating.NOT_SERIOUS
    publication_bias = DomainRating.NOT_SERIOUS
