from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "sendroute.journey"
    label = "journey"
    verbose_name = "Advice journey"
