"""axe-core finds no WCAG 2.2 A or AA violations on any page type of the journey, and a journey
can be completed with the keyboard alone."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from sendroute.accounts.models import TotpDevice
from sendroute.accounts.services import user_create

from .conftest import axe_violations, screenshot
from .journeys import choose, tick

pytestmark = pytest.mark.django_db(transaction=True)


def assert_accessible(page: Page, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{name}: {violations}"
    assert page.locator("h1").count() == 1, f"{name}: a page has exactly one h1"
    assert page.title().endswith("Get advice about a SEND complaint or disagreement"), name
    assert page.locator("a.govuk-skip-link[href='#main-content']").count() == 1


def test_every_page_type_has_no_accessibility_violations(page: Page):
    page.goto("/")
    assert_accessible(page, "start page")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    assert_accessible(page, "yes/no question")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "yes/no question with an error")
    assert page.title().startswith("Error: ")
    choose(page, "Is a child in danger or at risk of harm right now?", "No")
    choose(
        page,
        "Is your concern that an adult at the school or setting has harmed, or may have harmed, a child?",
        "No",
    )
    assert_accessible(page, "checkboxes question")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "checkboxes question with an error")
    tick(page, "What is your concern about?", ["A school, nursery or college"])
    choose(page, "Is your child missing school, or not getting any education at the moment?", "No")
    assert_accessible(page, "radios question")
    choose(
        page,
        "How far have you got with raising this with the school?",
        "I have met the head teacher or SENCo",
    )
    assert_accessible(page, "date question")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "date question with an error")
    expect(page.get_by_label("Day")).to_have_value("31")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("11")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    choose(page, "Is the school stopping you from following its complaints procedure?", "No")
    assert_accessible(page, "check your answers")
    with page.expect_navigation():
        page.get_by_role("button", name="See your advice").click()
    assert_accessible(page, "advice")
    page.goto("/clear")
    assert_accessible(page, "clear answers")
    page.goto("/api/v1/docs")
    assert_accessible(page, "API documentation")
    page.goto("/no-such-page")
    assert_accessible(page, "page not found")
    page.goto("/account/sign-in")
    assert_accessible(page, "sign in")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert_accessible(page, "sign in with errors")
    page.goto("/account/create")
    assert_accessible(page, "create an account")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert_accessible(page, "create an account with errors")
    page.goto("/account/password-reset")
    assert_accessible(page, "reset your password")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    assert_accessible(page, "reset your password with an error")
    # Two-factor authentication, for advisers, staff and administrators
    adviser = user_create(
        email="adviser@example.org", role="adviser", password="a long, memorable pass phrase"
    )

    def adviser_signs_in() -> None:
        page.goto("/account/sign-in")
        page.get_by_label("Email address", exact=True).fill("adviser@example.org")
        page.get_by_label("Password", exact=True).fill("a long, memorable pass phrase")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    adviser_signs_in()
    expect(page.locator("h1")).to_have_text("Set up two-factor authentication")
    assert_accessible(page, "set up two-factor authentication")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "set up two-factor authentication with an error")
    secret = TotpDevice.objects.get(user=adviser).secret
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your account")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    adviser_signs_in()
    expect(page.locator("h1")).to_have_text("Enter the code from your authenticator app")
    assert_accessible(page, "enter the code from your authenticator app")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "enter the code from your authenticator app with an error")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto("/account/sign-in?too_many_codes=1")
    expect(page.locator("h1")).to_have_text("Sign in")
    assert_accessible(page, "sign in after too many wrong codes")


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has focus (as a keyboard user does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def answer_by_keyboard(page: Page, input_selector: str) -> None:
    """Radios: Tab into the group, then arrow keys to the answer. Checkboxes: Tab to it, Space."""
    if page.locator(input_selector).get_attribute("type") == "radio":
        tab_to(page, "input[type=radio]")
        for _ in range(12):
            if page.evaluate("(s) => document.activeElement.matches(s)", input_selector):
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
    else:
        tab_to(page, input_selector)
        page.keyboard.press("Space")
    tab_to(page, "button.govuk-button:not(.govuk-button--secondary)")
    with page.expect_navigation():  # wait for the next page, not just the current one
        page.keyboard.press("Enter")


def test_a_journey_can_be_completed_with_the_keyboard_alone(page: Page):
    page.goto("/")
    tab_to(page, "a.govuk-button--start")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Is a child in danger or at risk of harm right now?")
    answer_by_keyboard(page, "input[value='no']")
    answer_by_keyboard(page, "input[value='no']")
    answer_by_keyboard(page, "input[value='school']")
    answer_by_keyboard(page, "input[value='no']")
    answer_by_keyboard(page, "input[value='procedure_completed']")
    expect(page.locator("h1")).to_have_text("Check your answers")
    tab_to(page, "a.govuk-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your advice")
    # focus is visible: the focused element gets GOV.UK's yellow focus style
    tab_to(page, "a.govuk-link")
    colour = page.evaluate("() => getComputedStyle(document.activeElement).backgroundColor")
    assert colour == "rgb(255, 221, 0)"
    screenshot(page, "advice-keyboard-journey")
