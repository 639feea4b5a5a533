"""The sendroute web app: settings, URLs, templates and security for the Django project."""
