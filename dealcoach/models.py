"""Users (the people who log in: reps, managers, admins) and their teams.

Customer organisations are `accounts.Account`, never users."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models

from .currencies import CURRENCY_CODES, DEFAULT_REPORTING_CURRENCY

CURRENCY_CHOICES = [(code, code) for code in CURRENCY_CODES]


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    manager = models.ForeignKey(
        "dealcoach.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    # Coaching cadence: open deals above this amount should be coached every N days.
    coaching_cadence_days = models.PositiveIntegerField(default=14, validators=[MinValueValidator(1)])
    coaching_min_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    reporting_currency = models.CharField(
        max_length=3, choices=CURRENCY_CHOICES, default=DEFAULT_REPORTING_CURRENCY,
        # Also a database default: bulk loaders that write teams in SQL (bench/generate.py) get USD too.
        db_default=DEFAULT_REPORTING_CURRENCY,
        help_text="The review converts every amount into this currency with the exchange rate in force.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        REP = "rep", "Sales rep"
        MANAGER = "manager", "Sales manager"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=["rep", "manager", "admin"]), name="user_role_valid"),
        ]

    @property
    def is_rep(self) -> bool:
        return self.role == self.Role.REP

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_admin_role(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A revocable API token. Only its SHA-256 is stored; the plain token is
    shown once, when issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise the token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'}) for {self.user}"


class ExchangeRate(models.Model):
    """1 `base_currency` = `rate` `quote_currency`, in force from `valid_from`
    until the pair's next rate. Entered by an admin (admin site, API or CSV):
    the app never fetches rates, so a rate is a fact someone vouched for."""

    base_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    quote_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    valid_from = models.DateField(help_text="The first day this rate is used.")
    source = models.CharField(max_length=200, blank=True, help_text="Where the figure comes from, e.g. ECB reference rate.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["base_currency", "quote_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["base_currency", "quote_currency", "valid_from"],
                                    name="exchange_rate_one_per_pair_and_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~models.Q(base_currency=models.F("quote_currency")),
                                   name="exchange_rate_two_currencies"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base_currency} = {self.rate} {self.quote_currency} from {self.valid_from:%Y-%m-%d}"
