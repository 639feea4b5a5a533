"""WSGI entry point (gunicorn sendroute.web.wsgi)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendroute.web.settings")
application = get_wsgi_application()

# Read and check the rules packs now, not on the first request someone makes.
from sendroute.rules import load_ruleset  # noqa: E402 - Django must be set up first

load_ruleset(settings.SENDROUTE_DEFAULT_AREA)
