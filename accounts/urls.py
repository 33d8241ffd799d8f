from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/", views.account_list, name="list"),
    path("accounts/<int:pk>/", views.detail, name="detail"),
    path("accounts/<int:pk>/stakeholders/", views.stakeholder_add, name="stakeholder_add"),
]
