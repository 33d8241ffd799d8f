"""What every log line of a request says about it, beyond django-structlog's
`request_id` and `user_id`."""

from __future__ import annotations

import structlog

from dealcoach.security import client_ip


class LogContextMiddleware:
    """Bind the client's address (proxy-aware, dealcoach.security.client_ip) as
    `ip`, and once the URL is resolved the matched pattern
    (`/api/v1/accounts/<pk>/`, not the raw path with ids) as `route`, so log
    lines group by endpoint."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        structlog.contextvars.bind_contextvars(ip=client_ip(request))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None:
            structlog.contextvars.bind_contextvars(route="/" + match.route if match.route else request.path)
        return None
