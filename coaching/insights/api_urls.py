from django.urls import path

from .api import SECTION_VIEWS

urlpatterns = [
    path(f"insights/{section}/", view.as_view(), name=f"insights-{section}")
    for section, view in SECTION_VIEWS.items()
]
