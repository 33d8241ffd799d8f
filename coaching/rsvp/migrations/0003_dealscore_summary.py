from django.db import migrations, models


class Migration(migrations.Migration):
    """Store a compact summary instead of the full result (7-12 KB a deal made
    rescoring the whole pipeline write-bound); the full result is computed on demand."""

    dependencies = [("rsvp", "0002_default_questions")]

    operations = [
        migrations.RenameField(model_name="dealscore", old_name="result", new_name="summary"),
        migrations.AlterField(
            model_name="dealscore",
            name="summary",
            field=models.JSONField(
                help_text="Compact copy of the result: gaps per dimension, each one's next question, anchor states."
            ),
        ),
    ]
