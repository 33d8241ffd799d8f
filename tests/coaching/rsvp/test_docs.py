"""docs/coaching.md is generated from the rule table and must match it."""

from coaching.rsvp.docs import DOC_PATH, render_coaching_doc
from coaching.rsvp.rules import RULES


def test_it_keeps_docs_coaching_md_in_step_with_the_rules():
    assert DOC_PATH.read_text(encoding="utf-8") == render_coaching_doc(), (
        "docs/coaching.md is stale: run `python -m coaching.rsvp.docs`"
    )


def test_it_documents_every_rule_with_its_why():
    text = render_coaching_doc()

    for rule in RULES:
        assert f"`{rule.id}`" in text
        assert rule.why in text
