from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sendroute.api"
    label = "api"
    verbose_name = "JSON API"
