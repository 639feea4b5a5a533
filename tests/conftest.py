"""Shared test set-up: YAML scenario files under tests/scenarios are collected as tests."""

from __future__ import annotations

import pytest

from tests.scenario_plugin import pytest_collect_file  # noqa: F401 - pytest hook


@pytest.fixture(autouse=True, scope="session")
def _static_files_found_when_asked_for() -> None:
    """WhiteNoise scans every static file whenever a test client loads the middleware (about
    0.2 s a client, and every test has its own client); in tests it finds a file when it is asked
    for instead, as it does in development."""
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _empty_audit_tables_before_flush(request: pytest.FixtureRequest):
    """Audit tables refuse deletes (a database trigger). A transactional test's clean-up empties
    every table, so empty the audit tables first, with the guard lifted for that moment only."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    if not (transactional or {"transactional_db", "live_server"} & set(request.fixturenames)):
        return
    from django.db import connection

    from sendroute.cases.audit_guard import GUARDED_TABLES, create_guards, drop_guards

    drop_guards(connection)
    with connection.cursor() as cursor:
        for table in GUARDED_TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    create_guards(connection)
