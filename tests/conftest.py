"""Shared test set-up: YAML scenario files under tests/scenarios are collected as tests."""

from __future__ import annotations

from tests.scenario_plugin import pytest_collect_file  # noqa: F401 - pytest hook
