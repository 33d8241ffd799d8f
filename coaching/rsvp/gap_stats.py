"""How readable the coaching of a pipeline is, in figures: gaps per deal and
the repetition a manager would have to wade through. Plain Python over
`CoachingResult`s; `manage.py rsvp_gap_stats` prints it for the open deals."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from coaching.rsvp.scoring import NOT_ANSWERED, CoachingResult


@dataclass(frozen=True)
class GapStats:
    deals: int
    gaps: int
    median_gaps: float
    max_gaps: int
    duplicate_questions: int  # gaps whose question was already listed in the same result
    duplicate_evidence: int  # evidence lines already printed in the same result
    results_with_duplicate_evidence: int
    questions_under_two_dimensions: int  # results where one question shows under two dimensions
    not_answered_only: int  # gaps whose whole reason is "Not answered yet."

    def lines(self) -> list[str]:
        return [
            f"open deals: {self.deals}",
            f"gaps: {self.gaps} (median per deal {self.median_gaps:g}, max {self.max_gaps})",
            f"gaps repeating a question already listed: {self.duplicate_questions}",
            f"evidence lines printed twice: {self.duplicate_evidence} "
            f"(in {self.results_with_duplicate_evidence} of {self.deals} results)",
            f"results with a question under two dimensions: {self.questions_under_two_dimensions}",
            f'gaps saying only "{NOT_ANSWERED}": {self.not_answered_only}',
        ]


def gap_stats(results: Iterable[CoachingResult]) -> GapStats:
    per_deal: list[int] = []
    duplicate_questions = duplicate_evidence = results_with_duplicate_evidence = 0
    two_dimensions = not_answered_only = 0
    for result in results:
        count = 0
        questions: dict[str, str] = {}
        evidence: set[str] = set()
        repeated_evidence = 0
        crossed = False
        for name, dimension in result.dimensions.items():
            for line in dimension.evidence:
                if line in evidence:
                    repeated_evidence += 1
                evidence.add(line)
            for gap in dimension.gaps:
                count += 1
                if gap.question in questions:
                    duplicate_questions += 1
                    crossed = crossed or questions[gap.question] != name
                questions.setdefault(gap.question, name)
                if gap.reason.strip() == NOT_ANSWERED:
                    not_answered_only += 1
        per_deal.append(count)
        duplicate_evidence += repeated_evidence
        results_with_duplicate_evidence += bool(repeated_evidence)
        two_dimensions += crossed
    return GapStats(
        deals=len(per_deal),
        gaps=sum(per_deal),
        median_gaps=statistics.median(per_deal) if per_deal else 0,
        max_gaps=max(per_deal, default=0),
        duplicate_questions=duplicate_questions,
        duplicate_evidence=duplicate_evidence,
        results_with_duplicate_evidence=results_with_duplicate_evidence,
        questions_under_two_dimensions=two_dimensions,
        not_answered_only=not_answered_only,
    )
