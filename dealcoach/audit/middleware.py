from .context import audit_context


class AuditContextMiddleware:
    """Attribute every write during a request to the requesting user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        with audit_context(request=request, source=source):
            return self.get_response(request)
