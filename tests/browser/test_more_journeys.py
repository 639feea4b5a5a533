"""Complete journeys in Chromium for the NHS, the council and the SEND Tribunal routes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import screenshot
from .journeys import answer_as, see_advice, start

pytestmark = pytest.mark.django_db(transaction=True)
NO_URGENT = {
    "child_at_risk": False,
    "abuse_allegation": False,
    "missing_education": False,
    "who_is_asking": "parent",
}


def test_an_nhs_complaint_near_its_12_month_limit_shows_the_last_day(page: Page):
    start(page)
    asked = answer_as(
        page,
        {
            **NO_URGENT,
            "concern_about": ["health"],
            "nhs_complained_to": "nobody_yet",
            "nhs_incident_date": "2025-12-01",
            "nhs_found_out_date": "2025-12-01",
        },
    )
    assert "nhs_complained_to" in asked
    see_advice(page)
    main = page.locator("main").inner_text()
    assert "Tuesday 1 December 2026" in main
    assert "4 days left" in main
    assert "you can only complain to one, not both" in main.lower() or "not both" in main
    screenshot(page, "advice-nhs-near-12-months")


def test_a_council_complaint_where_an_appeal_is_open_closes_the_ombudsman(page: Page):
    start(page)
    answer_as(
        page,
        {
            **NO_URGENT,
            "concern_about": ["ehc"],
            "ehc_decision": "plan_contents",
            "tribunal_appeal_made": True,
            "council_complaint_stage": "procedure_completed",
        },
    )
    see_advice(page)
    main = page.locator("main").inner_text()
    ombudsman = main[main.index("Not open to you now, and why") :]
    assert "Local Government and Social Care Ombudsman" in ombudsman or "LGSCO" in ombudsman
    assert "appeal" in ombudsman.lower()
    screenshot(page, "advice-council-lgsco-closed-by-appeal")


def test_a_mediation_certificate_sets_the_appeal_deadline(page: Page):
    start(page)
    answer_as(
        page,
        {
            **NO_URGENT,
            "concern_about": ["ehc"],
            "ehc_decision": "refuse_plan",
            "tribunal_appeal_made": False,
            "mediation_stage": "certificate",
            "decision_notice_date": "2026-09-01",
            "mediation_certificate_date": "2026-11-20",
        },
    )
    see_advice(page)
    main = page.locator("main").inner_text()
    assert "Appeal to the SEND Tribunal" in main[main.index("What to do next") :]
    assert "Last day to appeal to the SEND Tribunal" in main
    assert "Monday 21 December 2026" in main
    screenshot(page, "advice-tribunal-certificate")
