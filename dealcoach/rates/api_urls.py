from django.urls import path

from . import api

urlpatterns = [
    path("exchange-rates/", api.ExchangeRateListAPI.as_view(), name="exchange-rate-list"),
    path("exchange-rates/import/", api.ExchangeRateImportAPI.as_view(), name="exchange-rate-import"),
]
