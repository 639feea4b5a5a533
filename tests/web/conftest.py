"""Web test set-up: a fixed 'today', and helpers to walk the journey with Django's test client."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.SENDROUTE_TODAY = "2026-11-27"
