"""The browser's back button never breaks the journey, and the advice reads well when printed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .journeys import answer_as, choose, see_advice, start

pytestmark = pytest.mark.django_db(transaction=True)
PARENT = {
    "child_at_risk": False,
    "abuse_allegation": False,
    "missing_education": False,
    "concern_about": ["school"],
    "school_stage": "procedure_completed",
}


def test_the_back_button_returns_to_an_answer_that_can_be_changed(page: Page):
    start(page)
    choose(page, "Is a child in danger or at risk of harm right now?", "No")
    expect(page.locator("h1")).to_have_text(
        "Is your concern that an adult at the school or setting has harmed, or may have harmed, a child?"
    )
    page.go_back()
    expect(page.locator("h1")).to_have_text("Is a child in danger or at risk of harm right now?")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    choose(page, "Is a child in danger or at risk of harm right now?", "No")
    answer_as(page, PARENT)
    see_advice(page)
    page.go_back()
    expect(page.locator("h1")).to_have_text("Check your answers")
    page.go_forward()
    expect(page.locator("h1")).to_have_text("Your advice")


def test_printed_advice_shows_sources_and_hides_controls(page: Page):
    start(page)
    answer_as(page, PARENT)
    see_advice(page)
    page.emulate_media(media="print")
    assert page.locator(".govuk-details__summary").first.is_hidden()
    assert page.locator(".sr-print-only").first.is_visible()
    assert page.get_by_role("button", name="Add another concern").is_hidden()
    printed = page.locator(".sr-print-only").first.inner_text()
    assert "Source" in printed or "“" in printed
    pdf = page.pdf()
    assert pdf[:4] == b"%PDF"
