from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "sendroute.cases"
    label = "cases"
    verbose_name = "Case file"
