"""RSVP coaching: the questions (admin-editable data), the rep's answers per
deal, the stored score of every open deal, and weekly score snapshots."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from coaching.rsvp.questions import DIMENSIONS
from coaching.rsvp.scoring import ANSWER_CHOICES


class Dimension(models.TextChoices):
    RELATIONSHIPS = "relationships", "Relationships"
    STRATEGY = "strategy", "Strategy"
    VALUE = "value", "Value"
    PROCESS = "process", "Process"


class Status(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class CoachingQuestion(models.Model):
    """A question a manager asks a rep about a deal. Rules refer to it by `key`;
    `text` and `action` are what the scorecard shows when the rule finds a gap."""

    key = models.SlugField(max_length=60, unique=True)
    dimension = models.CharField(max_length=13, choices=Dimension.choices)
    text = models.TextField()
    action = models.TextField(help_text="The suggested next step when this question exposes a gap.")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Retired questions leave the form and stop scoring.")

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(dimension__in=DIMENSIONS), name="rsvp_question_dimension_valid"),
        ]

    def __str__(self) -> str:
        return self.text


class CoachingAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        PARTLY = "partly", "Partly"
        NO = "no", "No"
        DONT_KNOW = "dont_know", "Don't know"

    opportunity = models.ForeignKey("deals.Opportunity", on_delete=models.CASCADE, related_name="coaching_answers")
    question = models.ForeignKey(CoachingQuestion, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=9, choices=Answer.choices)
    evidence = models.TextField(blank=True, help_text="What shows it: who said it, where, when.")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "question"], name="rsvp_answer_one_per_question"),
            models.CheckConstraint(condition=Q(answer__in=ANSWER_CHOICES), name="rsvp_answer_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.question.key}: {self.answer}"


class DealScore(models.Model):
    """The current coaching score of one open deal, stored so that lists and
    the pipeline review can sort and filter without recomputing."""

    opportunity = models.OneToOneField(
        "deals.Opportunity", on_delete=models.CASCADE, primary_key=True, related_name="deal_score"
    )
    overall = models.PositiveSmallIntegerField()
    relationships = models.PositiveSmallIntegerField()
    relationships_status = models.CharField(max_length=5, choices=Status.choices)
    strategy = models.PositiveSmallIntegerField()
    strategy_status = models.CharField(max_length=5, choices=Status.choices)
    value = models.PositiveSmallIntegerField()
    value_status = models.CharField(max_length=5, choices=Status.choices)
    process = models.PositiveSmallIntegerField()
    process_status = models.CharField(max_length=5, choices=Status.choices)
    summary = models.JSONField(
        help_text="Compact copy of the result: gaps per dimension, each one's next question, anchor states."
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["overall"], name="rsvp_score_overall"),
            models.Index(fields=["relationships_status", "relationships"], name="rsvp_score_relationships"),
            models.Index(fields=["strategy_status", "strategy"], name="rsvp_score_strategy"),
            models.Index(fields=["value_status", "value"], name="rsvp_score_value"),
            models.Index(fields=["process_status", "process"], name="rsvp_score_process"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__lte=100) & Q(relationships__lte=100) & Q(strategy__lte=100)
                & Q(value__lte=100) & Q(process__lte=100),
                name="rsvp_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.overall}"

    @property
    def dimensions(self) -> list[tuple[str, str, int, str]]:
        """(key, label, score, status) for each dimension, in RSVP order, for templates."""
        return [
            (key, label, getattr(self, key), getattr(self, f"{key}_status"))
            for key, label in Dimension.choices
        ]


class ScoreSnapshot(models.Model):
    """A deal's scores in one week (`week` is that week's Monday), for trends."""

    opportunity = models.ForeignKey("deals.Opportunity", on_delete=models.CASCADE, related_name="score_snapshots")
    week = models.DateField()
    overall = models.PositiveSmallIntegerField()
    relationships = models.PositiveSmallIntegerField()
    strategy = models.PositiveSmallIntegerField()
    value = models.PositiveSmallIntegerField()
    process = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["opportunity", "-week"]
        indexes = [models.Index(fields=["week"], name="rsvp_snapshot_week")]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "week"], name="rsvp_snapshot_one_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.week}: {self.overall}"
