"""The default close-plan template from DESIGN.md, durations in business days.

Plain data: the data migration that seeds `PlanTemplate` "default" and the
scheduling tests both read it.
"""

from coaching.closeplan.schedule import MilestoneInput

DEFAULT_TEMPLATE_SLUG = "default"
DEFAULT_TEMPLATE_NAME = "Default close plan"

DEFAULT_TEMPLATE: tuple[MilestoneInput, ...] = (
    MilestoneInput("evaluation", "Evaluation / proof of value complete", "customer", 15, ()),
    MilestoneInput("reference_check", "Reference checks done", "customer", 3, ("evaluation",)),
    MilestoneInput(
        "vendor_selected", "Preferred vendor selected", "customer", 3, ("evaluation", "reference_check")
    ),
    MilestoneInput(
        "executive_approval", "Business case approved by economic buyer", "customer", 5, ("vendor_selected",)
    ),
    MilestoneInput("legal_review", "Legal and contract review", "both", 10, ("executive_approval",)),
    MilestoneInput(
        "procurement", "Procurement and vendor onboarding", "customer", 10, ("executive_approval",)
    ),
    MilestoneInput(
        "contract_signed", "Contract signed / PO issued", "both", 2, ("legal_review", "procurement")
    ),
    MilestoneInput("kickoff", "Project team assembled, kickoff", "both", 5, ("contract_signed",)),
    MilestoneInput("implementation", "Implementation and onboarding", "both", 30, ("kickoff",)),
    MilestoneInput("go_live", "Live and realising the benefits", "customer", 0, ("implementation",)),
)
