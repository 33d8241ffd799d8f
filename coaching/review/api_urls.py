from django.urls import path

from . import api

urlpatterns = [
    path("review/attention/", api.AttentionAPI.as_view(), name="review-attention"),
]
