"""The case file in Chromium, as a family and an adviser use it: save advice as a case, record a
complaint and its answer, add a meeting note with a file, share with an adviser who sees it in
their caseload until it is revoked, download everything and delete the account."""

from __future__ import annotations

import io
import zipfile

import pyotp
import pytest
from playwright.sync_api import Page, expect

from .conftest import axe_violations, screenshot
from .journeys import answer_as, see_advice, start

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long pass phrase for tests"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def family(settings):
    from sendroute.accounts.models import Role, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_user(email="parent@example.org", password=PASSWORD, role=Role.PARENT)


@pytest.fixture
def adviser(settings):
    from django.utils import timezone

    from sendroute.accounts.models import Role, TotpDevice, User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user(
        email="adviser@example.org", password=PASSWORD, role=Role.ADVISER
    )
    TotpDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())
    return user


def sign_in(page: Page, email: str, secret: str | None = None) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if secret:
        page.get_by_label("Enter the code from your authenticator app").fill(
            pyotp.TOTP(secret).now()
        )
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def no_axe_violations(page: Page) -> None:
    assert axe_violations(page) == []


def save_school_case(page: Page, family) -> None:
    start(page)
    answer_as(
        page,
        {
            "child_at_risk": False,
            "abuse_allegation": False,
            "concern_about": ["school"],
            "missing_education": False,
            "school_stage": "met_head_or_senco",
            "school_incident_date": "2026-11-02",
            "school_blocking_procedure": False,
        },
    )
    see_advice(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save this as a case").click()
    sign_in(page, family.email)
    expect(page.locator("h1")).to_have_text("Save your advice as a case")
    no_axe_violations(page)
    page.get_by_label("Name of the case").fill("Sam: reading support")
    page.get_by_label("Your child's first name or initials (optional)").fill("S")
    with page.expect_navigation():
        page.get_by_role("button", name="Save case").click()
    expect(page.locator("h1")).to_have_text("Sam: reading support")
    expect(page.get_by_text("Your case has been saved.")).to_be_visible()
    screenshot(page, "case-page-saved-from-advice")


def test_a_family_saves_advice_and_records_a_complaint_and_its_answer(page: Page, family):
    save_school_case(page, family)
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="School, nursery or college").click()
    expect(page.get_by_role("heading", name="Your next step")).to_be_visible()
    assert "Make a formal complaint" in page.locator("main").inner_text()
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Record that you have done this").first.click()
    expect(page.locator("h1")).to_have_text("Record what happened")
    page.get_by_label("Complaint or request made").check()
    page.get_by_label("In writing (letter, email or online form)").check()
    page.get_by_label("Day").fill("9")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Who was it with, or from? (optional)").fill("Mrs Patel, head teacher")
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    main = page.locator("main").inner_text()
    assert "Your next step is now: Wait for the school's answer" in page.inner_text("body")
    assert "Complaint or request made" in main
    # The answer comes, and the family is not satisfied: the governors are next.
    with page.expect_navigation():
        page.get_by_role("button", name="Record what happened").click()
    page.get_by_label("A stage", exact=False)  # the stage list is there
    page.get_by_label("Make a formal complaint using the school's complaints procedure").check()
    page.get_by_label("Response received").check()
    page.get_by_label("Not resolved: I am not satisfied").check()
    page.get_by_label("Day").fill("25")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "Ask for your complaint to go to the governors" in page.inner_text("body")
    screenshot(page, "case-concern-after-answer")


def test_a_council_complaint_shows_its_response_deadline(page: Page, family):
    from sendroute.cases.services import case_create, concern_create

    case = case_create(owner=family, title="Transport", area="norfolk")
    concern = concern_create(
        case=case,
        actor=family,
        route="council",
        facts={"concern_about": ["council"], "council_service": "send"},
    )
    page.goto(
        f"/cases/{case.public_id}/concerns/{concern.public_id}/record?step=council-formal-complaint&kind=made"
    )
    sign_in(page, family.email)
    page.get_by_label("Day").fill("27")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    if page.get_by_label("Yes, this really happened").count():
        page.get_by_label("Yes, this really happened").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save").click()
    main = page.locator("main").inner_text()
    assert "Friday 18 December 2026" in main
    page.get_by_text("How we worked out this date").first.click()
    no_axe_violations(page)


def test_a_meeting_note_with_an_attachment_joins_the_timeline(page: Page, family, tmp_path):
    from sendroute.cases.services import case_create

    case = case_create(owner=family, title="Sam", area="norfolk")
    page.goto(f"/cases/{case.public_id}/")
    sign_in(page, family.email)
    with page.expect_navigation():
        page.get_by_role("button", name="Add a note of a meeting or call").click()
    page.get_by_label("Day").fill("20")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Title").fill("Meeting with the SENCo")
    page.get_by_label("Who was there (optional)").fill("Ms Khan, SENCo")
    page.get_by_label("What was said and done (optional)").fill("Agreed a reading plan.")
    page.get_by_label("Actions agreed, with their dates (optional)").fill("Plan by 4 December")
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Meeting with the SENCo").first).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Attach a file to Meeting with the SENCo").click()
    notes = tmp_path / "minutes.pdf"
    notes.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(notes))
    page.get_by_label("Title").fill("Minutes of the meeting")
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Add file").click()
    expect(page.get_by_text("Attached: Minutes of the meeting")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Minutes of the meeting").first.click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_sharing_with_an_adviser_shows_in_their_caseload_until_revoked(
    browser, live_server, page: Page, family, adviser
):
    from sendroute.cases.services import case_create, concern_create

    case = case_create(owner=family, title="Sam at Oak School", area="norfolk")
    concern_create(
        case=case,
        actor=family,
        route="school",
        facts={"concern_about": ["school"], "school_stage": "met_head_or_senco"},
    )
    page.goto(f"/cases/{case.public_id}/sharing")
    sign_in(page, family.email)
    page.get_by_label("Adviser's email address").fill(adviser.email)
    page.get_by_label("View the case", exact=True).check()
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Share the case").click()
    expect(page.get_by_text(adviser.email).first).to_be_visible()

    other = browser.new_context(base_url=live_server.url, bypass_csp=True)
    adviser_page = other.new_page()
    adviser_page.goto("/caseload")
    sign_in(adviser_page, adviser.email, adviser.totp_device.secret)
    expect(adviser_page.get_by_text("Sam at Oak School")).to_be_visible()
    screenshot(adviser_page, "adviser-caseload")
    no_axe_violations(adviser_page)

    with page.expect_navigation():
        page.get_by_role("link", name="Stop sharing", exact=False).first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Stop sharing").click()
    adviser_page.goto("/caseload")
    expect(adviser_page.get_by_text("Sam at Oak School")).to_have_count(0)
    response = adviser_page.goto(f"/cases/{case.public_id}/")
    assert response.status == 404
    other.close()


def test_a_family_downloads_everything_then_deletes_their_account(page: Page, family):
    from sendroute.accounts.models import User
    from sendroute.cases.models import Case
    from sendroute.cases.services import case_create

    case_create(owner=family, title="Sam", area="norfolk")
    page.goto("/account/download")
    sign_in(page, family.email)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything").click()
    data = download.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "export.json" in archive.namelist()
        assert "Sam" in archive.read("export.json").decode()
    page.goto("/account/delete")
    no_axe_violations(page)
    page.get_by_label("Your email address").fill(family.email)
    page.get_by_label("Your password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("h1")).to_contain_text("deleted")
    assert not User.objects.filter(email=family.email).exists()
    assert not Case.objects.exists()


def test_the_other_case_file_pages_pass_axe(page: Page, family):
    import datetime as dt

    from sendroute.cases.services import (
        case_create,
        concern_create,
        entry_create,
        entry_edit,
        stage_event_record,
    )

    case = case_create(owner=family, title="Sam", area="norfolk")
    concern = concern_create(
        case=case,
        actor=family,
        route="council",
        facts={"concern_about": ["council"], "council_service": "send"},
    )
    stage_event_record(
        concern=concern,
        actor=family,
        step="council-formal-complaint",
        kind="made",
        date=dt.date(2026, 11, 20),
        confirmed=True,
    )
    entry = entry_create(
        case=case,
        actor=family,
        kind="note",
        date=dt.date(2026, 11, 3),
        title="Call",
        people="",
        body="First",
        actions="",
    )
    entry_edit(
        entry=entry,
        actor=family,
        version=1,
        date=dt.date(2026, 11, 3),
        title="Call",
        people="",
        body="Second",
        actions="",
    )
    page.goto("/deadlines")
    sign_in(page, family.email)
    pages = {
        "/deadlines": "Your deadlines",
        f"/cases/{case.public_id}/seen": "Who has seen",
        f"/cases/{case.public_id}/timeline/{entry.public_id}/history": "Every version",
        f"/cases/{case.public_id}/concerns/{concern.public_id}/answers": "Your answers",
        f"/cases/{case.public_id}/delete": "delete this case",
        "/calendar": "calendar",
        "/cases/": "Your cases",
        "/account/": "Your account",
    }
    for path, words in pages.items():
        page.goto(path)
        assert words.lower() in page.locator("h1").inner_text().lower(), path
        assert axe_violations(page) == [], path
