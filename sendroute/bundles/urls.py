"""URLs of the bundles app (paths written in full; mounted at the site root)."""

from django.urls import URLPattern, path

from .views import bundle_download, bundle_new, bundle_status

app_name = "bundles"
urlpatterns: list[URLPattern] = [
    path("cases/<str:case_id>/bundles/new", bundle_new, name="new"),
    path("cases/<str:case_id>/bundles/<str:bundle_id>", bundle_status, name="status"),
    path("cases/<str:case_id>/bundles/<str:bundle_id>/download", bundle_download, name="download"),
]
