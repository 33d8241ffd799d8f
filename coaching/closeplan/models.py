"""Close plans: one per deal, built backward from the customer's go-live date.

The dates are computed by `schedule.py`; `Milestone.latest_start` and
`latest_finish` are stored copies, refreshed by every plan change, so the
stale-deal sweep can find overdue milestones with one set-based query.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from deals.models import DealRole

from .schedule import SIDES, can_sign

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
    # Who confirmed, proven by a one-time code to their work email, and their part in the
    # deal when they did (a later change of role does not rewrite history).
    validated_by_stakeholder = models.ForeignKey(
        "accounts.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_by_title = models.CharField(max_length=200, blank=True)
    validated_by_role = models.CharField(max_length=16, blank=True)
    validated_by_seniority = models.CharField(max_length=10, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Close plan for {self.opportunity}"

    @property
    def is_validated(self) -> bool:
        return self.validated_version is not None

    @property
    def validated_by_someone_who_can_sign(self) -> bool:
        return self.is_validated and can_sign(self.validated_by_role)

    @property
    def validated_by_role_label(self) -> str:
        return DealRole.Role(self.validated_by_role).label if self.validated_by_role in DealRole.Role.values else ""

    @property
    def validated_by_label(self) -> str:
        """"Jane Buyer, CFO" — who confirmed the plan, as shown to the rep."""
        return ", ".join(part for part in (self.validated_by_name, self.validated_by_title) if part)

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
    # Set when the customer marked their own step done from the share link.
    done_by_stakeholder = models.ForeignKey(
        "accounts.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
    # The customer's change (a date proposal the rep accepted, a step they marked done).
    changed_by_stakeholder = models.ForeignKey(
        "accounts.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
    note = models.TextField(blank=True, help_text="The rep's note in the email that carried the link.")
    # People the rep sent the link to; with the stakeholders in a role on the deal,
    # they are who may prove their address and open it.
    recipients = models.ManyToManyField("accounts.Stakeholder", blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Share link {self.pk} for {self.plan}"

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and self.expires_at > moment


class BuyerAccess(models.Model):
    """One address proving itself on one share link: the pending one-time code
    (only its hash is kept), the failed attempts, and when it was proven."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="buyer_accesses")
    stakeholder = models.ForeignKey("accounts.Stakeholder", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveIntegerField(default=0)
    last_code_sent_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "email"], name="buyer_access_one_per_address")]

    def __str__(self) -> str:
        return f"{self.email} on link {self.link_id}"


class PlanComment(models.Model):
    """A comment on the plan or one milestone: the buyer's, or the rep's reply to one."""

    plan = models.ForeignKey(ClosePlan, on_delete=models.CASCADE, related_name="comments")
    milestone_key = models.CharField(max_length=40, blank=True, help_text="Blank for the plan as a whole.")
    author_stakeholder = models.ForeignKey(
        "accounts.Stakeholder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField()
    created_at = models.DateTimeField()
    # A buyer's comment waits for the rep until answered (a reply, or marked handled).
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["plan"], condition=Q(author_stakeholder__isnull=False, answered_at__isnull=True),
                name="plan_comment_waiting",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]


class DateProposal(models.Model):
    """The buyer proposes a new date for a milestone (its latest finish) or for go-live;
    nothing moves until the rep accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for you"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    plan = models.ForeignKey(ClosePlan, on_delete=models.CASCADE, related_name="proposals")
    milestone_key = models.CharField(max_length=40, help_text="go_live for the go-live date.")
    current_date = models.DateField()
    proposed_date = models.DateField()
    reason = models.TextField()
    proposed_by = models.ForeignKey("accounts.Stakeholder", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    reply = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["plan"], condition=Q(status="pending"), name="date_proposal_pending")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined"]), name="date_proposal_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone_key} → {self.proposed_date}"


class BuyerAction(models.Model):
    """Everything a buyer did on the plan, with who did it: audited (the deal's
    history), and what the owner's digest announces."""

    class Kind(models.TextChoices):
        VERIFIED = "verified", "proved their address"
        COMMENTED = "commented", "commented"
        PROPOSED = "proposed", "proposed a new date"
        MARKED_DONE = "marked_done", "marked a step done"
        NAMED_OWNER = "named_owner", "named an owner"
        CONFIRMED = "confirmed", "confirmed the plan"

    plan = models.ForeignKey(ClosePlan, on_delete=models.CASCADE, related_name="buyer_actions")
    link = models.ForeignKey(ShareLink, null=True, on_delete=models.SET_NULL, related_name="+")
    stakeholder = models.ForeignKey("accounts.Stakeholder", null=True, on_delete=models.SET_NULL, related_name="+")
    stakeholder_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    milestone_key = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300)
    at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["notified_at"], condition=Q(notified_at__isnull=True),
                                name="buyer_action_to_announce")]

    def __str__(self) -> str:
        return f"{self.stakeholder_name} {self.get_kind_display()}"
