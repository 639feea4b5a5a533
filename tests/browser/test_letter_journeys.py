"""Letters in Chromium: draft the letter a stage needs, edit it, download it, mark it as sent and
see the response clock start. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import axe_violations, screenshot
from .test_case_journeys import family, sign_in  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_family_drafts_edits_downloads_and_sends_the_school_complaint(page: Page, family):  # noqa: F811
    from pypdf import PdfReader

    from sendroute.cases.services import case_create, concern_create

    case = case_create(owner=family, title="Sam", area="norfolk", child_name="Sam")
    concern = concern_create(
        case=case,
        actor=family,
        route="school",
        facts={"concern_about": ["school"], "school_stage": "met_head_or_senco"},
    )
    page.goto(f"/cases/{case.public_id}/concerns/{concern.public_id}/")
    sign_in(page, family.email)
    with page.expect_navigation():
        page.get_by_role("link", name="Draft the letter for this step").click()
    assert axe_violations(page) == []
    expect(page.locator("h1")).to_be_visible()
    if page.get_by_label("The letter").count() == 0:  # a choice of letters fits this stage
        with page.expect_navigation():
            page.locator("main ul.govuk-list a").first.click()
    letter = page.get_by_label("The letter")
    expect(letter).to_contain_text("Sam")
    assert axe_violations(page) == []
    letter.fill(letter.input_value() + "\n\nI have kept notes of every meeting.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the letter").click()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "I have kept notes of every meeting." in " ".join(text.split())
    with page.expect_navigation():
        page.get_by_role("link", name="Mark as sent").or_(
            page.get_by_role("button", name="Mark as sent")
        ).first.click()
    assert axe_violations(page) == []
    page.get_by_label("Day").fill("27")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark as sent").click()
    page.goto(f"/cases/{case.public_id}/concerns/{concern.public_id}/")
    assert "Wait for the school's answer" in page.locator("main").inner_text()
    screenshot(page, "letter-sent-concern")
