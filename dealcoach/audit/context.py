"""Who is acting, and through which door (web, api, import, system).

A middleware puts the request here for the duration of each request (the
actor is read from `request.user` when an event is recorded, so DRF's token
authentication — which runs inside the view — is seen too). Commands, imports
and tasks say who they act for with `audit_context(actor=..., source=...)`."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None
    request: Any = None
    source: str = "system"

    def resolve_actor(self):
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_NOBODY = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("dealcoach_audit_context", default=None)


def current_audit_context() -> AuditContext:
    return _current.get() or _NOBODY


@contextlib.contextmanager
def audit_context(*, actor=None, source: str | None = None, request=None):
    """Attribute the writes inside the block to `actor` (and `source`)."""
    outer = current_audit_context()
    token = _current.set(AuditContext(
        actor=actor if actor is not None else outer.actor,
        request=request if request is not None else outer.request,
        source=source or outer.source,
    ))
    try:
        yield
    finally:
        _current.reset(token)
