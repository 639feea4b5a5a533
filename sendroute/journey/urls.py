from django.urls import path

from . import views

app_name = "journey"
urlpatterns = [
    path("", views.start, name="start"),
    path("concern/<int:index>/next", views.next_question, name="next"),
    path("concern/<int:index>/question/<slug:fact>", views.question, name="question"),
    path("concern/<int:index>/check", views.check, name="check"),
    path("concern/new", views.add_concern, name="add_concern"),
    path("advice", views.advice_page, name="advice"),
    path("clear", views.clear, name="clear"),
]
