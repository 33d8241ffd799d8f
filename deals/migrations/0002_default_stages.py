from django.db import migrations

DEFAULT_STAGES = [
    # slug, name, order, probability %, rot days, forecast category
    ("qualify", "Qualify", 1, 10, 14, "pipeline"),
    ("discover", "Discover", 2, 20, 14, "pipeline"),
    ("evaluate", "Evaluate", 3, 40, 21, "pipeline"),
    ("propose", "Propose", 4, 60, 21, "best_case"),
    ("negotiate", "Negotiate", 5, 80, 14, "commit"),
]


def add_default_stages(apps, schema_editor):
    Stage = apps.get_model("deals", "Stage")
    for slug, name, order, probability, rot_days, category in DEFAULT_STAGES:
        Stage.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "order": order, "probability": probability,
                      "rot_days": rot_days, "forecast_category": category},
        )


def remove_default_stages(apps, schema_editor):
    apps.get_model("deals", "Stage").objects.filter(slug__in=[s[0] for s in DEFAULT_STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]
    operations = [migrations.RunPython(add_default_stages, remove_default_stages)]
