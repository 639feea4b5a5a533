"""All of sendroute's URLs."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("sendroute.api.urls")),
    path("account/", include("sendroute.accounts.urls")),
    path("", include("sendroute.cases.urls")),
    path("", include("sendroute.letters.urls")),
    path("", include("sendroute.bundles.urls")),
    path("", include("sendroute.journey.urls")),
]

handler404 = "sendroute.journey.views.not_found"
handler500 = "sendroute.journey.views.server_error"
