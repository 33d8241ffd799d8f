from django.urls import path

from . import views

app_name = "coaching_sessions"

urlpatterns = [
    path("deals/<int:opportunity_id>/coaching-sessions/start/", views.session_start, name="start"),
    path("coaching-sessions/<int:session_id>/", views.session_detail, name="detail"),
    path("coaching-sessions/<int:session_id>/print/", views.session_print, name="print"),
    path("coaching-sessions/<int:session_id>/answer/", views.session_answer, name="answer"),
    path("coaching-sessions/<int:session_id>/notes/", views.session_notes, name="notes"),
    path("coaching-sessions/<int:session_id>/commitments/", views.session_commitment_add, name="commitment_add"),
    path("coaching-sessions/<int:session_id>/close/", views.session_close, name="close"),
    path("commitments/<int:commitment_id>/close/", views.commitment_close_view, name="commitment_close"),
]
