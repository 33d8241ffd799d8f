"""Close plans: one per deal, built backward from the customer's go-live date.

The dates are computed by `schedule.py`; `Milestone.latest_start` and
`latest_finish` are stored copies, refreshed by every plan change, so the
stale-deal sweep can find overdue milestones with one set-based query.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from .schedule import SIDES

MAX_DURATION_DAYS = 750  # about three years of business days


class Side(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    OURS = "ours", "Ours"
    BOTH = "both", "Both"


class Holiday(models.Model):
    """A day that is not a business day for any plan."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class PlanTemplate(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(models.Model):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="milestones")
    key = models.SlugField(max_length=40, help_text="Stable identifier, e.g. contract_signed.")
    name = models.CharField(max_length=200)
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.CUSTOMER)
    duration_days = models.PositiveIntegerField(
        validators=[MaxValueValidator(MAX_DURATION_DAYS)], help_text="Business days."
    )
    depends_on = models.JSONField(default=list, blank=True, help_text='Keys, e.g. ["evaluation"].')
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="template_milestone_key_unique"),
            models.CheckConstraint(condition=Q(side__in=SIDES), name="template_milestone_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.template}: {self.name}"


class ClosePlan(models.Model):
    opportunity = models.OneToOneField(
        "deals.Opportunity", on_delete=models.CASCADE, related_name="close_plan"
    )
    template = models.ForeignKey(PlanTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    go_live_date = models.DateField(help_text="The customer's go-live date.")
    why_go_live_matters = models.TextField(
        blank=True, help_text="What the customer gains on that date, or loses."
    )
    # Bumped by every change to milestones or dates; a validation is recorded
    # against the version the buyer saw.
    version = models.PositiveIntegerField(default=1)
    validated_version = models.PositiveIntegerField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Close plan for {self.opportunity}"

    @property
    def is_validated(self) -> bool:
        return self.validated_version is not None

    @property
    def changed_since_validation(self) -> bool:
        return self.validated_version is not None and self.version != self.validated_version

    @property
    def etag(self) -> str:
        return f'"closeplan-{self.pk}-v{self.version}"'


class Milestone(models.Model):
    plan = models.ForeignKey(ClosePlan, on_delete=models.CASCADE, related_name="milestones")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.CUSTOMER)
    duration_days = models.PositiveIntegerField(validators=[MaxValueValidator(MAX_DURATION_DAYS)])
    depends_on = models.JSONField(default=list, blank=True)
    owner_stakeholder = models.ForeignKey(
        "accounts.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Stored results of the backward pass (they do not depend on today).
    latest_start = models.DateField(null=True, blank=True)
    latest_finish = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="milestone_key_unique_in_plan"),
            models.CheckConstraint(condition=Q(side__in=SIDES), name="milestone_side_valid"),
            models.CheckConstraint(
                condition=Q(owner_stakeholder__isnull=True) | Q(owner_user__isnull=True),
                name="milestone_one_owner",
            ),
        ]
        indexes = [
            # The stale sweep: open milestones whose latest finish has passed.
            models.Index(
                fields=["latest_finish"],
                condition=Q(done_on__isnull=True),
                name="milestone_open_latest_finish",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self):
        return self.owner_stakeholder or self.owner_user


class PlanChange(models.Model):
    """One field of a plan changed; those after the buyer's validation are shown to the rep."""

    plan = models.ForeignKey(ClosePlan, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField(help_text="The plan's version after the change.")
    milestone_key = models.CharField(max_length=40, blank=True, help_text="Blank for the plan itself.")
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["plan", "version"], name="plan_change_by_version")]

    def __str__(self) -> str:
        subject = f"{self.milestone_key}." if self.milestone_key else ""
        return f"{subject}{self.field}: {self.old_value} → {self.new_value}"


class ShareLink(models.Model):
    """A link the buyer opens without an account. The URL carries a signed
    token naming this row; the row says whether it still works."""

    plan = models.ForeignKey(ClosePlan, on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Share link {self.pk} for {self.plan}"

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and self.expires_at > moment
