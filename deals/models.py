"""Opportunities (deals), their pipeline stages, the political map (deal roles),
activities, and the history of the fields that matter for coaching."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from dealcoach.currencies import CURRENCY_CODES
from dealcoach.softdelete import SoftDeleteModel

from .propensity import deal_propensity


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best Case"
    COMMIT = "commit", "Commit"
    OMITTED = "omitted", "Omitted"
    CLOSED = "closed", "Closed"


# Plain value lists for the database check constraints (Meta cannot see nested choices).
ROLE_VALUES = [
    "economic_buyer", "decision_maker", "technical_buyer", "user_buyer", "influencer",
    "champion", "coach", "blocker", "procurement", "legal",
]
STANCE_VALUES = ["advocate", "supporter", "neutral", "skeptic", "opponent"]
INFLUENCE_VALUES = ["high", "medium", "low"]
ACTIVITY_KIND_VALUES = ["meeting", "call", "email", "demo", "note", "reference_check"]


class Stage(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(unique=True)
    probability = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Win probability in percent."
    )
    rot_days = models.PositiveSmallIntegerField(help_text="Days without activity before the deal is stale.")
    forecast_category = models.CharField(
        max_length=10, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )

    class Meta:
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_percent"),
        ]

    def __str__(self) -> str:
        return self.name


class Opportunity(SoftDeleteModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    class BudgetStatus(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        IDENTIFIED = "identified", "Identified"
        APPROVED = "approved", "Approved"

    class Strategy(models.TextChoices):
        NONE = "", "Not chosen"
        DIRECT = "direct", "Direct (head-to-head)"
        INDIRECT = "indirect", "Indirect (change the ground rules)"
        DIVISIONAL = "divisional", "Divisional (win a part, expand)"
        CONTAINMENT = "containment", "Containment (slow the decision)"

    # The first competitor is always the status quo.
    DO_NOTHING = "do nothing"

    # Unique by a constraint in Meta, not `unique=True`: that also builds a second, LIKE-only index on
    # PostgreSQL, and an external id is only ever matched exactly (one index less to write per row).
    external_id = models.CharField(max_length=255, null=True, blank=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="opportunities")
    # Indexed by opportunity_owner_status (owner, status): a second index on owner alone would
    # only add a write to every insert and every non-HOT update (the sweep updates every deal).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities", db_index=False
    )
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    lost_reason = models.CharField(max_length=300, blank=True)
    expected_close_date = models.DateField(null=True, blank=True, help_text="The rep's expected close date.")
    go_live_date = models.DateField(null=True, blank=True, help_text="The customer's go-live date.")
    # The four anchors.
    budget_status = models.CharField(max_length=10, choices=BudgetStatus.choices, default=BudgetStatus.UNKNOWN)
    budget_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    compelling_event = models.TextField(blank=True, help_text="Why now: the event that forces a decision.")
    consequence_if_missed = models.TextField(blank=True, help_text="What happens to the customer if the date is missed.")
    success_criteria = models.TextField(blank=True, help_text="How the customer will measure success.")
    business_value = models.TextField(blank=True, help_text="Value as the customer defines it, ideally with numbers.")
    competitors = models.JSONField(default=list, blank=True)
    strategy = models.CharField(max_length=12, choices=Strategy.choices, blank=True, default="")
    strategy_notes = models.TextField(blank=True, help_text="The plan: relationships, blockers, the competition.")
    notes = models.TextField(blank=True, help_text="Internal notes (never shown to the customer).")
    forecast_category = models.CharField(
        max_length=10, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    # Maintained by services and the stale-deal sweep (denormalised for set-based queries).
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    last_senior_engagement_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed by opportunity_sync_cursor (updated_at, id), for the same reason as owner.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "opportunities"
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="opportunity_sync_cursor"),
            models.Index(fields=["owner", "status"], name="opportunity_owner_status"),
            models.Index(fields=["status", "stage"], name="opportunity_status_stage"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="opportunity_external_id_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="opportunity_budget_not_negative",
            ),
            models.CheckConstraint(condition=Q(currency__in=CURRENCY_CODES), name="opportunity_currency_iso4217"),
            models.CheckConstraint(condition=Q(status__in=["open", "won", "lost"]), name="opportunity_status_valid"),
            models.CheckConstraint(
                condition=(Q(status="lost") & ~Q(lost_reason="")) | (~Q(status="lost") & Q(lost_reason="")),
                name="opportunity_lost_reason_iff_lost",
            ),
            models.CheckConstraint(
                condition=Q(forecast_category__in=[c.value for c in ForecastCategory]),
                name="opportunity_forecast_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(budget_status__in=["unknown", "identified", "approved"]),
                name="opportunity_budget_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def propensity(self) -> float | None:
        """Propensity to close as of today (deals/propensity.py); None once closed."""
        return deal_propensity(self)

    @property
    def weighted_amount(self) -> Decimal:
        return self.amount * Decimal(self.stage.probability) / 100


class DealRole(models.Model):
    class Role(models.TextChoices):
        ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
        DECISION_MAKER = "decision_maker", "Decision maker"
        TECHNICAL_BUYER = "technical_buyer", "Technical buyer"
        USER_BUYER = "user_buyer", "User buyer"
        INFLUENCER = "influencer", "Influencer"
        CHAMPION = "champion", "Champion"
        COACH = "coach", "Coach"
        BLOCKER = "blocker", "Blocker"
        PROCUREMENT = "procurement", "Procurement"
        LEGAL = "legal", "Legal"

    class Stance(models.TextChoices):
        ADVOCATE = "advocate", "Advocate"
        SUPPORTER = "supporter", "Supporter"
        NEUTRAL = "neutral", "Neutral"
        SKEPTIC = "skeptic", "Skeptic"
        OPPONENT = "opponent", "Opponent"

    class Influence(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    # Roles whose engagement counts as reaching the people who can say yes.
    DECISION_ROLES = ("economic_buyer", "decision_maker")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="roles")
    stakeholder = models.ForeignKey("accounts.Stakeholder", on_delete=models.CASCADE, related_name="deal_roles")
    role = models.CharField(max_length=16, choices=Role.choices)
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.NEUTRAL)
    influence = models.CharField(max_length=6, choices=Influence.choices, default=Influence.MEDIUM)
    strength = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="Relationship strength 1-5."
    )
    leans_to_competitor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["opportunity", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "stakeholder", "role"], name="deal_role_unique"),
            models.CheckConstraint(condition=Q(strength__gte=1) & Q(strength__lte=5), name="deal_role_strength_1_5"),
            models.CheckConstraint(condition=Q(role__in=ROLE_VALUES), name="deal_role_role_valid"),
            models.CheckConstraint(condition=Q(stance__in=STANCE_VALUES), name="deal_role_stance_valid"),
            models.CheckConstraint(
                condition=Q(influence__in=INFLUENCE_VALUES), name="deal_role_influence_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stakeholder} — {self.get_role_display()}"


class Activity(SoftDeleteModel):
    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        DEMO = "demo", "Demo"
        NOTE = "note", "Note"
        # A customer's call with one of our references: RSVP's Process reads it (references come after the
        # buyer's commitment). Synced activities whose subject speaks of a reference call count too.
        REFERENCE_CHECK = "reference_check", "Reference check"

    # Unique by a constraint in Meta, not `unique=True`: that also builds a second, LIKE-only index on
    # PostgreSQL, and an external id is only ever matched exactly (one index less to write per row).
    external_id = models.CharField(max_length=255, null=True, blank=True)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MEETING)
    occurred_at = models.DateTimeField()
    summary = models.CharField(max_length=500)
    stakeholders = models.ManyToManyField("accounts.Stakeholder", blank=True, related_name="activities")
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["opportunity", "occurred_at"], name="activity_opportunity_when"),
            models.Index(fields=["updated_at", "id"], name="activity_sync_cursor"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="activity_external_id_unique"),
            models.CheckConstraint(condition=Q(kind__in=ACTIVITY_KIND_VALUES), name="activity_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary[:40]}"


class OpportunityFieldChange(models.Model):
    """One change of a field that matters for coaching (close date, amount,
    stage, forecast category), so slips and regressions can be shown."""

    TRACKED_FIELDS = ("expected_close_date", "amount", "stage", "forecast_category", "status")

    # No database constraints on the two keys (Django still cascades and nulls them on delete): history
    # rows are appended only by the deal services, with the ids of rows the same transaction has just
    # written, and a bulk upsert appends up to 5 per deal. As constraints, PostgreSQL checked every one
    # at commit — about 8,000 checks, 40–60 ms, a fifth of a 1,000-row batch (bench/NOTES.md).
    # No index of its own either: `field_change_lookup` starts with it.
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="field_changes", db_constraint=False, db_index=False
    )
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=100, blank=True)
    new_value = models.CharField(max_length=100, blank=True)
    # Not indexed: only deleting a login (rare: logins are deactivated) looks rows up by it, while a
    # bulk upsert writes ~4,000 history rows per 1,000 deals and paid ~3 ms for this index (bench/NOTES.md).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False,
        db_index=False,
    )
    # Not indexed alone: every reader asks about given deals (`field_change_lookup`), and a bulk upsert
    # paid ~3 ms per 1,000 deals for it (bench/NOTES.md). The admin's list is newest-written first.
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "field", "changed_at"], name="field_change_lookup")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"
