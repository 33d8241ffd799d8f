"""Database sessions whose idle expiry is renewed at most once a minute.

SESSION_SAVE_EVERY_REQUEST moves the 30-minute idle limit on with every
request, which costs an UPDATE (and its transaction) per page view. This
store skips that write when the session's data did not change and its stored
expiry was renewed less than RENEW_AFTER_SECONDS ago. The stored expiry then
trails the last request by under a minute, so an idle session ends between
29 and 30 minutes after the last request: never later than the rule."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.utils import timezone

RENEW_AFTER_SECONDS = 60


class SessionStore(db.SessionStore):
    _stored_expiry = None

    def _get_session_from_db(self):
        stored = super()._get_session_from_db()
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    def save(self, must_create=False):
        if not must_create and not self.modified and self._renewed_recently():
            return
        super().save(must_create=must_create)
        self._stored_expiry = self.get_expiry_date()

    def _renewed_recently(self) -> bool:
        if self._stored_expiry is None:
            return False
        remaining = (self._stored_expiry - timezone.now()).total_seconds()
        return remaining > self.get_expiry_age() - RENEW_AFTER_SECONDS
