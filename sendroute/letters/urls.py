"""URLs of the letters app (paths written in full; mounted at the site root)."""

from django.urls import URLPattern, path

from . import views

app_name = "letters"
urlpatterns: list[URLPattern] = [
    path(
        "cases/<str:case_id>/concerns/<str:concern_id>/letters/new",
        views.letter_new,
        name="letter_new",
    ),
    path(
        "cases/<str:case_id>/letters/<str:letter_id>.<str:fmt>",
        views.letter_download,
        name="letter_download",
    ),
    path("cases/<str:case_id>/letters/<str:letter_id>", views.letter_page, name="letter"),
    path(
        "cases/<str:case_id>/letters/<str:letter_id>/edit",
        views.letter_edit_view,
        name="letter_edit",
    ),
    path("cases/<str:case_id>/letters/<str:letter_id>/sent", views.letter_sent, name="letter_sent"),
]
