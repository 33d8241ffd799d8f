"""What RSVP announces to the apps that read its stored scores."""

from django.dispatch import Signal

# Sent with `opportunity_ids: list[int]` after `deal_scores_recompute` stored
# their scores (the review forgets the cached pages that show them).
deal_scores_recomputed = Signal()
