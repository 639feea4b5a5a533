"""Helpers that answer journey questions the way a person does, in the browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def heading(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def choose(page: Page, question: str, label: str) -> None:
    """Answer a radios question by its visible label, then continue."""
    expect(page.locator("h1")).to_have_text(question)
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()


def tick(page: Page, question: str, labels: list[str]) -> None:
    expect(page.locator("h1")).to_have_text(question)
    for label in labels:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue").click()


def enter_date(page: Page, question: str, day: int, month: int, year: int) -> None:
    expect(page.locator("h1")).to_have_text(question)
    page.get_by_label("Day").fill(str(day))
    page.get_by_label("Month").fill(str(month))
    page.get_by_label("Year").fill(str(year))
    page.get_by_role("button", name="Continue").click()


def start(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Start now").click()


def no_urgent_concerns(page: Page) -> None:
    choose(page, "Is a child in danger or at risk of harm right now?", "No")
    choose(
        page,
        "Is your concern that an adult at the school or setting has harmed, or may have harmed, a child?",
        "No",
    )


def see_advice(page: Page) -> None:
    expect(page.locator("h1")).to_have_text("Check your answers")
    page.get_by_role("button", name="See your advice").click()
    expect(page.locator("h1")).to_have_text("Your advice")


def next_steps_text(page: Page) -> str:
    """The text of the page between 'What to do next' and the next section."""
    body = page.locator("main").inner_text()
    start_at = body.index("What to do next")
    rest = body[start_at:]
    for marker in (
        "Also open to you now",
        "Not open to you now",
        "Deadlines",
        "Things you should know",
    ):
        if marker in rest[1:]:
            rest = rest[: rest.index(marker, 1)]
    return rest
