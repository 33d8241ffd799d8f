from django.urls import path

from .api import AuditEventList

urlpatterns = [
    path("audit/", AuditEventList.as_view(), name="api-audit-list"),
]
