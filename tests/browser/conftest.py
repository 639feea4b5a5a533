"""Browser tests: Playwright drives Debian's Chromium against a live server; axe-core checks pages.

`make test` installs the chromium package when it is missing. Screenshots of advice pages go to
test-artifacts/ (ignored by git) for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Playwright's sync API runs an event loop in this thread; Django's database set-up for the live
# server happens here too, which is safe because the two never run at the same time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium is not installed at /usr/bin/chromium: run `make test`, which installs it."
        )
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server, settings) -> Iterator[Page]:
    settings.SENDROUTE_TODAY = "2026-11-27"
    # bypass_csp lets the test inject axe-core; the app's own CSP is tested elsewhere.
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, viewport={"width": 390, "height": 844}
    )
    requests_elsewhere: list[str] = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else requests_elsewhere.append(r.url),
    )
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert requests_elsewhere == [], (
        f"the page made requests off this machine: {requests_elsewhere}"
    )


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (WCAG 2.0, 2.1, 2.2 A and AA rules) and return the violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
