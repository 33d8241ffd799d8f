from django.db import migrations

# One question per fact (issue 14): the close plan's three facts — it exists, it is on track, someone
# who can sign agreed to it — get a question each, and a strategy question asks about the rivals. The
# old close-plan question asked whether the customer agreed to the dates; that wording moves to
# `proc_plan_validated`, and `proc_close_plan` now asks for a plan to be built. A text an admin has
# reworded is left alone.
NEW = {
    "strat_rivals": (
        "strategy", 105,
        "Who else is the customer talking to, and why might they pick them over us?",
        "Name every competitor on the deal, do nothing included, and what each one offers this buyer.",
    ),
    "proc_plan_on_track": (
        "process", 235,
        "Which step of the close plan is behind, and what does the customer need to get it back on track?",
        "Walk the late steps with the buyer and agree new dates with them, or a new go-live date.",
    ),
    "proc_plan_validated": (
        "process", 236,
        "Has someone who can sign walked through the close plan with you and agreed to its dates?",
        "Share the close plan link with the economic buyer or decision maker and ask them to confirm "
        "or correct it.",
    ),
}
OLD_CLOSE_PLAN = (
    "Has the customer walked through the close plan with you and agreed to the dates?",
    "Share the close plan link with the buyer and ask them to confirm or correct it.",
)
NEW_CLOSE_PLAN = (
    "What date must the customer be live by, and what has to happen on their side before then?",
    "Sit down with the senior buyer and build the close plan backward from their go-live date: "
    "evaluation, approvals, procurement, legal, signing.",
)


def forward(apps, schema_editor):
    CoachingQuestion = apps.get_model("rsvp", "CoachingQuestion")
    for key, (dimension, order, text, action) in NEW.items():
        CoachingQuestion.objects.get_or_create(
            key=key, defaults={"dimension": dimension, "text": text, "action": action, "order": order, "active": True}
        )
    CoachingQuestion.objects.filter(key="proc_close_plan", text=OLD_CLOSE_PLAN[0]).update(
        text=NEW_CLOSE_PLAN[0], action=NEW_CLOSE_PLAN[1]
    )


def backward(apps, schema_editor):
    CoachingQuestion = apps.get_model("rsvp", "CoachingQuestion")
    CoachingQuestion.objects.filter(key__in=list(NEW), answers__isnull=True).delete()
    CoachingQuestion.objects.filter(key="proc_close_plan", text=NEW_CLOSE_PLAN[0]).update(
        text=OLD_CLOSE_PLAN[0], action=OLD_CLOSE_PLAN[1]
    )


class Migration(migrations.Migration):
    dependencies = [("rsvp", "0003_dealscore_summary")]
    operations = [migrations.RunPython(forward, backward)]
