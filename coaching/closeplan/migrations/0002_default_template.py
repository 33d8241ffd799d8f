"""The default close-plan template from DESIGN.md (frozen here, as data
migrations must not depend on code that may change later)."""

from django.db import migrations

DEFAULT_MILESTONES = [
    ("evaluation", "Evaluation / proof of value complete", "customer", 15, []),
    ("reference_check", "Reference checks done", "customer", 3, ["evaluation"]),
    ("vendor_selected", "Preferred vendor selected", "customer", 3, ["evaluation", "reference_check"]),
    ("executive_approval", "Business case approved by economic buyer", "customer", 5, ["vendor_selected"]),
    ("legal_review", "Legal and contract review", "both", 10, ["executive_approval"]),
    ("procurement", "Procurement and vendor onboarding", "customer", 10, ["executive_approval"]),
    ("contract_signed", "Contract signed / PO issued", "both", 2, ["legal_review", "procurement"]),
    ("kickoff", "Project team assembled, kickoff", "both", 5, ["contract_signed"]),
    ("implementation", "Implementation and onboarding", "both", 30, ["kickoff"]),
    ("go_live", "Live and realising the benefits", "customer", 0, ["implementation"]),
]


def create_default_template(apps, schema_editor):
    PlanTemplate = apps.get_model("closeplan", "PlanTemplate")
    TemplateMilestone = apps.get_model("closeplan", "TemplateMilestone")
    template, created = PlanTemplate.objects.get_or_create(
        slug="default",
        defaults={
            "name": "Default close plan",
            "description": "Evaluation to go-live, built back from the customer's go-live date.",
        },
    )
    if not created:
        return
    TemplateMilestone.objects.bulk_create(
        TemplateMilestone(
            template=template, key=key, name=name, side=side, duration_days=days, depends_on=deps, position=i
        )
        for i, (key, name, side, days, deps) in enumerate(DEFAULT_MILESTONES)
    )


def remove_default_template(apps, schema_editor):
    apps.get_model("closeplan", "PlanTemplate").objects.filter(slug="default").delete()


class Migration(migrations.Migration):
    dependencies = [("closeplan", "0001_initial")]

    operations = [migrations.RunPython(create_default_template, remove_default_template)]
