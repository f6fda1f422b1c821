from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/copy/", views.copy, name="copy"),
    path("answers/<int:pk>/", views.answer, name="answer"),
    path("answers/<int:pk>/review/", views.review, name="review"),
    path("answers/<int:pk>/answer.xlsx", views.answer_xlsx, name="answer_xlsx"),
    path("answers/<int:pk>/upload/", views.answer_upload, name="answer_upload"),
]
