"""Helpers that answer journey questions the way a person does, in the browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def heading(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def choose(page: Page, question: str, label: str) -> None:
    """Answer a radios question by its visible label, then continue."""
    expect(page.locator("h1")).to_have_text(question)
    page.get_by_label(label, exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def tick(page: Page, question: str, labels: list[str]) -> None:
    expect(page.locator("h1")).to_have_text(question)
    for label in labels:
        page.get_by_label(label, exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def enter_date(page: Page, question: str, day: int, month: int, year: int) -> None:
    expect(page.locator("h1")).to_have_text(question)
    page.get_by_label("Day").fill(str(day))
    page.get_by_label("Month").fill(str(month))
    page.get_by_label("Year").fill(str(year))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def start(page: Page) -> None:
    page.goto("/")
    with page.expect_navigation():
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
    with page.expect_navigation():
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


def answer_as(page: Page, facts: dict, limit: int = 40) -> list[str]:
    """Answer every question the journey asks from ``facts``, as a person would, until the
    check your answers page. Returns the facts asked, in order. A question not in ``facts``
    is answered "I'm not sure" (or "I do not know the date")."""
    from sendroute.rules import load_ruleset

    rules = load_ruleset("norfolk")
    by_question = {f.question: f for f in rules.facts.values()}
    asked: list[str] = []
    for _ in range(limit):
        title = page.locator("h1").inner_text().strip()
        if title == "Check your answers":
            return asked
        fact = by_question[title]
        asked.append(fact.id)
        value = facts.get(fact.id)
        labels = {v.value: v.label for v in fact.values}
        if value is None:
            if fact.type == "date":
                with page.expect_navigation():
                    page.get_by_role("button", name="I do not know the date").click()
                continue
            page.get_by_label("I'm not sure", exact=True).check()
        elif fact.type == "bool":
            page.get_by_label("Yes" if value else "No", exact=True).check()
        elif fact.type == "choice":
            page.get_by_label(labels[value], exact=True).check()
        elif fact.type == "multichoice":
            for item in value:
                page.get_by_label(labels[item], exact=True).check()
        elif fact.type == "date":
            year, month, day = (int(x) for x in str(value).split("-"))
            page.get_by_label("Day").fill(str(day))
            page.get_by_label("Month").fill(str(month))
            page.get_by_label("Year").fill(str(year))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    raise AssertionError(
        f"the journey did not reach check your answers after {limit} questions: {asked}"
    )


def section(page: Page, heading_text: str) -> str:
    """The text of the advice page from a concern's heading to the next concern heading."""
    body = page.locator("main").inner_text()
    start_at = body.index(heading_text)
    return body[start_at:]
