from django.db import migrations

# Seeds the defaults from coaching/rsvp/questions.py. Existing rows (admin
# edits) are left alone, so running it on a live database changes nothing.
from coaching.rsvp.questions import DEFAULT_QUESTIONS


def add_default_questions(apps, schema_editor):
    CoachingQuestion = apps.get_model("rsvp", "CoachingQuestion")
    for order, question in enumerate(DEFAULT_QUESTIONS, start=1):
        CoachingQuestion.objects.get_or_create(
            key=question.key,
            defaults={"dimension": question.dimension, "text": question.text, "action": question.action,
                      "order": order * 10, "active": True},
        )


def remove_default_questions(apps, schema_editor):
    CoachingQuestion = apps.get_model("rsvp", "CoachingQuestion")
    CoachingQuestion.objects.filter(key__in=[q.key for q in DEFAULT_QUESTIONS], answers__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rsvp", "0001_initial")]
    operations = [migrations.RunPython(add_default_questions, remove_default_questions)]
