"""factory-boy factories for every core model."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Account, Stakeholder
from dealcoach.models import Team, User
from deals.models import Activity, DealRole, Opportunity, Stage


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = "rep"
    first_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "password-for-tests-1")
        if create:
            self.save(update_fields=["password"])


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    domain = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "") + ".example")
    owner = factory.SubFactory(UserFactory)


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    title = "Director of IT"
    seniority = "director"


def stage(slug: str = "discover") -> Stage:
    return Stage.objects.get(slug=slug)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    owner = factory.LazyAttribute(lambda o: o.account.owner)
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("100000.00")
    currency = "USD"
    stage = factory.LazyFunction(lambda: Stage.objects.get(slug="discover"))
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    competitors = factory.LazyFunction(lambda: ["do nothing"])
    stage_entered_at = factory.LazyFunction(timezone.now)


class DealRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealRole

    opportunity = factory.SubFactory(OpportunityFactory)
    stakeholder = factory.SubFactory(StakeholderFactory, account=factory.SelfAttribute("..opportunity.account"))
    role = "champion"
    stance = "supporter"
    influence = "high"
    strength = 3


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    opportunity = factory.SubFactory(OpportunityFactory)
    kind = "meeting"
    summary = "Discussed the evaluation"
    occurred_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def stakeholders(self, create, extracted, **kwargs):
        if create and extracted:
            self.stakeholders.set(extracted)


def prove_buyer_address(client, token: str, email: str):
    """Open a share link as the buyer with `email`: ask for a code, read it from the
    sent mail (locmem), enter it. Returns the response to the code."""
    import re

    from django.core import mail

    sent = len(mail.outbox)
    client.post(f"/share/plan/{token}/identify/", {"email": email})
    assert len(mail.outbox) == sent + 1, "no code was mailed"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    return client.post(f"/share/plan/{token}/verify/", {"email": email, "code": code})
