"""Complete journeys in Chromium, asserting what the advice page says (school and safety)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import screenshot
from .journeys import (
    choose,
    enter_date,
    next_steps_text,
    no_urgent_concerns,
    see_advice,
    start,
    tick,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_school_concern_at_the_informal_stage_starts_with_the_teacher(page: Page):
    start(page)
    no_urgent_concerns(page)
    tick(page, "What is your concern about?", ["A school, nursery or college"])
    choose(page, "Is your child missing school, or not getting any education at the moment?", "No")
    choose(
        page,
        "How far have you got with raising this with the school?",
        "I have not raised it with the school yet",
    )
    enter_date(page, "When did the problem happen, or when did it last happen?", 20, 11, 2026)
    choose(page, "Is the school stopping you from following its complaints procedure?", "No")
    see_advice(page)
    steps = next_steps_text(page)
    assert "Talk to your child's teacher" in steps
    assert "Department for Education" not in steps
    assert "Ofsted" not in steps
    main = page.locator("main").inner_text()
    assert "Saturday 20 February 2027" in main
    page.get_by_text("Why?").first.click()
    expect(page.get_by_text("The first step is to talk to the teacher.").first).to_be_visible()
    screenshot(page, "advice-school-informal")


def test_a_child_missing_school_can_go_to_the_dfe_directly(page: Page):
    start(page)
    no_urgent_concerns(page)
    tick(page, "What is your concern about?", ["A school, nursery or college"])
    choose(page, "Is your child missing school, or not getting any education at the moment?", "Yes")
    choose(
        page,
        "How far have you got with raising this with the school?",
        "I have talked to the teacher",
    )
    enter_date(page, "When did the problem happen, or when did it last happen?", 2, 11, 2026)
    see_advice(page)
    steps = next_steps_text(page)
    assert "Complain to the Department for Education (DfE)" in steps
    assert "Ask for a meeting with the head teacher or SENCo" in steps
    screenshot(page, "advice-dfe-missing-school")


def test_an_allegation_of_abuse_goes_to_norfolks_lado_first(page: Page):
    start(page)
    choose(page, "Is a child in danger or at risk of harm right now?", "No")
    choose(
        page,
        "Is your concern that an adult at the school or setting has harmed, or may have harmed, a child?",
        "Yes",
    )
    tick(page, "What is your concern about?", ["A school, nursery or college"])
    choose(page, "Is your child missing school, or not getting any education at the moment?", "No")
    choose(
        page,
        "How far have you got with raising this with the school?",
        "I have not raised it with the school yet",
    )
    enter_date(page, "When did the problem happen, or when did it last happen?", 26, 11, 2026)
    choose(page, "Is the school stopping you from following its complaints procedure?", "No")
    see_advice(page)
    steps = next_steps_text(page)
    assert steps.index("Contact the LADO about the allegation") < steps.index(
        "Talk to your child's teacher"
    )
    main = page.locator("main").inner_text()
    assert "01603 223473" in main
    assert "LADO@norfolk.gov.uk" in main
    screenshot(page, "advice-lado")
