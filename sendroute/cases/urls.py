"""The case file's URLs. Every case page is under /cases/<case id>/."""

from .views import cases, concerns, data_rights, deadlines, evidence, sharing, timeline

app_name = "cases"

urlpatterns = [
    *cases.urlpatterns,
    *concerns.urlpatterns,
    *timeline.urlpatterns,
    *evidence.urlpatterns,
    *sharing.urlpatterns,
    *deadlines.urlpatterns,
    *data_rights.urlpatterns,
]
