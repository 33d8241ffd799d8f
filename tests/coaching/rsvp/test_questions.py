"""The default coaching questions are data: complete, keyed, and linked to the rules."""

from collections import Counter

from coaching.rsvp.questions import DEFAULT_QUESTIONS, DEFAULT_QUESTIONS_BY_KEY, DIMENSIONS
from coaching.rsvp.rules import RULES


def test_it_has_at_least_four_questions_per_dimension():
    counts = Counter(q.dimension for q in DEFAULT_QUESTIONS)

    assert set(counts) == set(DIMENSIONS)
    assert min(counts.values()) >= 4


def test_it_keys_questions_uniquely():
    assert len(DEFAULT_QUESTIONS_BY_KEY) == len(DEFAULT_QUESTIONS)


def test_it_links_every_rule_to_an_existing_question():
    assert {rule.question for rule in RULES} <= set(DEFAULT_QUESTIONS_BY_KEY)


def test_it_gives_every_question_text_and_an_action():
    for q in DEFAULT_QUESTIONS:
        assert q.text.endswith("?"), q.key
        assert q.action and not q.action.endswith("?"), q.key
