from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "sendroute.letters"
    label = "letters"
