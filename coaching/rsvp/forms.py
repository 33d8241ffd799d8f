"""The browser's answers form: field names, parsing, and the rows it renders.

Each active question has two fields, `<key>-answer` (yes / partly / no /
dont_know, or empty to leave it alone) and `<key>-evidence`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .models import CoachingAnswer
from .services import AnswerInput

if TYPE_CHECKING:
    from .selectors import AnswerRow

ANSWER_OPTIONS = [(value, label) for value, label in CoachingAnswer.Answer.choices]


def answer_inputs_from_post(post: Mapping[str, str], rows: Sequence[AnswerRow]) -> list[AnswerInput]:
    """Inputs for the questions the rep filled in; untouched questions are skipped."""
    inputs = []
    for row in rows:
        answer = post.get(f"{row.key}-answer", "").strip()
        evidence = post.get(f"{row.key}-evidence", "")
        stored_evidence = row.answer.evidence if row.answer else ""
        if answer or evidence.strip() != stored_evidence:
            inputs.append(AnswerInput(row.key, answer, evidence, prefix=f"{row.key}-"))
    return inputs


def answer_form_rows(
    rows: Sequence[AnswerRow], *, post: Mapping[str, str] | None = None, errors: Mapping[str, list[str]] | None = None
) -> list[dict]:
    """What `rsvp/_partials/answers_form.html` renders: stored values, or what was posted when re-showing errors."""
    errors = errors or {}
    form_rows = []
    for row in rows:
        stored = row.answer
        answer = stored.answer if stored else ""
        evidence = stored.evidence if stored else ""
        if post is not None:
            answer = post.get(f"{row.key}-answer", answer)
            evidence = post.get(f"{row.key}-evidence", evidence)
        form_rows.append({
            "key": row.key,
            "dimension": row.question.get_dimension_display(),
            "text": row.question.text,
            "answer": answer,
            "evidence": evidence,
            "answered_by": stored.answered_by if stored else None,
            "answered_at": stored.answered_at if stored else None,
            "answer_errors": errors.get(f"{row.key}-answer", []) + errors.get(f"{row.key}-question", []),
            "evidence_errors": errors.get(f"{row.key}-evidence", []),
        })
    return form_rows
