from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.insights, name="page"),
    path("insights/export.csv", views.export_csv, name="export_csv"),
]
