"""Letters: a draft for the concern's stage, filled from the case, saved, downloaded as DOCX, an
accessible PDF and plain text (each read back), marked as sent into the timeline (which moves the
concern on), and refused clearly when it does not fit."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sendroute.cases.advice import rules_for
from sendroute.cases.evidence_store import evidence_save
from sendroute.cases.models import Concern, Entry
from sendroute.cases.services import concern_create
from sendroute.letters import compose, render
from sendroute.letters.catalogue import catalogue
from sendroute.letters.models import Letter
from sendroute.letters.services import letter_create, letter_document

from .conftest import sign_in_as

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "letters"

NO_RISK = {"child_at_risk": False, "abuse_allegation": False, "missing_education": False}
LGSCO_CAN_LOOK = {
    "lgsco_stage": "not_yet",
    "lgsco_knew_date": "2026-09-01",
    "affected_personally": True,
    "affects_most_people": False,
    "personnel_matter": False,
    "legal_action_started": False,
}
SCHOOL = {
    **NO_RISK,
    "concern_about": ["school"],
    "school_stage": "met_head_or_senco",
    "school_incident_date": "2026-11-02",
    "school_blocking_procedure": False,
}
COUNCIL = {
    **NO_RISK,
    **LGSCO_CAN_LOOK,
    "concern_about": ["council"],
    "council_service": "send_education",
    "council_complaint_stage": "raised_with_manager",
    "council_problem_date": "2026-09-01",
}
HEALTH = {
    **NO_RISK,
    "concern_about": ["health"],
    "nhs_complained_to": "nobody_yet",
    "nhs_incident_date": "2026-10-01",
    "nhs_found_out_date": "2026-10-01",
}
SEND = {
    **NO_RISK,
    "concern_about": ["ehc"],
    "ehc_decision": "refuse_assessment",
    "tribunal_appeal_made": False,
    "mediation_stage": "not_contacted",
    "decision_notice_date": "2026-10-01",
}

# For each letter: the route and facts of a concern at a stage the letter fits.
FITS = {
    "school-complaint": ("school", SCHOOL),
    "school-governors": ("school", {**SCHOOL, "school_stage": "formal_complaint_answered"}),
    "dfe-complaint": ("school", {**SCHOOL, "school_stage": "procedure_completed"}),
    "nhs-provider-complaint": ("health", HEALTH),
    "nhs-commissioner-complaint": ("health", HEALTH),
    "pals-help": ("health", HEALTH),
    "nhs-advocacy-help": ("health", HEALTH),
    "phso-complaint": (
        "health",
        {
            **HEALTH,
            "nhs_complained_to": "provider",
            "nhs_stage": "final_response",
            "nhs_complaint_date": "2026-06-01",
            "nhs_final_response_date": "2026-11-01",
        },
    ),
    "council-complaint": ("council", COUNCIL),
    "council-stage-2": ("council", {**COUNCIL, "council_complaint_stage": "stage1_answered"}),
    "lgsco-complaint": ("council", {**COUNCIL, "council_complaint_stage": "procedure_completed"}),
    "letter-before-claim": (
        "council",
        {**COUNCIL, "council_complaint_stage": "procedure_completed"},
    ),
    "disagreement-resolution": ("send", SCHOOL),
    "mediation-wanted": ("send", SEND),
    "mediation-certificate": ("send", SEND),
    "subject-access-request": ("school", SCHOOL),
}

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def _concern(people, type_id):
    route, facts = FITS[type_id]
    case = people["case"]
    case.child_name = "Sam"
    case.save()
    return concern_create(case=case, actor=people["owner"], route=route, facts=facts)


def _evidence(people, title="School report"):
    return evidence_save(
        case=people["case"],
        actor=people["owner"],
        upload=SimpleUploadedFile("report.png", PNG),
        title=title,
    )


def test_every_letter_type_names_real_citations_steps_and_a_template():
    rules = rules_for("norfolk")
    own = catalogue().citations
    assert set(FITS) == set(catalogue().types), "every letter type is tested below"
    for kind in catalogue().types.values():
        for cid in kind.cite:
            assert cid in rules.citation_out or cid in own, (kind.id, cid)
        for step in kind.steps:
            assert step in rules.step_index, (kind.id, step)
        assert kind.any_stage or kind.steps
        assert (compose.TEMPLATES / kind.template).exists()
        assert kind.to == "step" or kind.to in rules.body_out


def _read_docx(data: bytes) -> tuple[str, object]:
    import docx

    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs), document.core_properties


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("type_id", sorted(FITS))
def test_each_letter_is_built_in_three_formats_that_read_back(people, type_id):
    import pypdf
    import pypdfium2

    concern = _concern(people, type_id)
    evidence = _evidence(people)
    kind = catalogue().types[type_id]
    draft = compose.draft(kind, concern)
    letter = letter_create(
        concern=concern,
        actor=people["owner"],
        type_id=type_id,
        body=draft.body,
        enclosures=[evidence],
    )
    doc = letter_document(letter)
    due = compose.long_date(letter.respond_by)
    assert letter.respond_by > dt.date(2026, 11, 27)
    cite = compose.citations_for(kind, rules_for("norfolk"))[0]
    cite_words = (cite.title or cite.quote or "")[:40]

    text = render.as_text(doc)
    docx_text, props = _read_docx(render.as_docx(doc))
    pdf_bytes = render.as_pdf(doc)
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    for name, got in (("txt", text), ("docx", docx_text), ("pdf", pdf_text)):
        flat = _squash(got)
        assert "Sam" in flat, name
        assert due in flat, name
        assert _squash(cite_words) in flat, name
        assert "School report" in flat, name
        assert "Please reply by" in flat, name
    assert props.title == kind.title
    assert props.language == "en-GB"
    # The PDF is tagged, with its language and title set.
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog
    assert reader.metadata.title == kind.title
    # One page of each letter, as a picture a person can look at.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    pdf[0].render(scale=1.5).to_pil().save(ARTIFACTS / f"{type_id}.png")
    pdf.close()


def test_the_draft_is_filled_from_the_case_and_the_pack(people):
    concern = _concern(people, "council-complaint")
    kind = catalogue().types["council-complaint"]
    draft = compose.draft(kind, concern)
    # Stage 1 of the council's procedure: 15 working days (the pack's response_due deadline).
    assert draft.respond_by == dt.date(2026, 12, 18)
    assert "15 working days from today" in draft.respond_rule
    assert "Sam" in draft.body
    assert "18 December 2026" in draft.body
    # Every paragraph is its own paragraph: the subject line is not run into the next one.
    assert (
        "\n\nFormal complaint (stage 1) about the council's support for Sam\n\nI am" in draft.body
    )
    assert draft.to_name == rules_for("norfolk").body_out["council-complaints"].name


def test_each_draft_has_its_subject_line_as_a_paragraph_of_its_own(people):
    case = people["case"]
    case.child_school_year = "Year 4"
    case.save()
    concern = _concern(people, "school-complaint")
    body = compose.draft(catalogue().types["school-complaint"], concern).body
    assert "\n\nFormal complaint about the support for Sam (Year 4)\n\nI am making" in body


def test_the_dfe_letter_gives_its_direct_grounds(people):
    facts = {**SCHOOL, "school_stage": "formal_complaint_made", "child_at_risk": True}
    concern = concern_create(
        case=people["case"], actor=people["owner"], route="school", facts=facts
    )
    draft = compose.draft(catalogue().types["dfe-complaint"], concern)
    assert "a child is at risk" in draft.body


def _new_url(concern, type_id=""):
    url = f"/cases/{concern.case.public_id}/concerns/{concern.public_id}/letters/new"
    return url + (f"?type={type_id}" if type_id else "")


def test_a_family_drafts_edits_saves_and_marks_a_letter_sent(client, people):
    owner = people["owner"]
    sign_in_as(client, owner)
    concern = _concern(people, "school-complaint")
    evidence = _evidence(people)
    choose = client.get(_new_url(concern))
    assert choose.status_code == 200
    assert "Formal complaint to the school" in choose.content.decode()
    form = client.get(_new_url(concern, "school-complaint"))
    assert form.status_code == 200
    html = form.content.decode()
    key = re.search(r'name="form_key" value="([^"]+)"', html).group(1)
    data = {
        "type": "school-complaint",
        "form_key": key,
        "body": "Dear school,\n\nSam needs help with reading.\n\nPlease reply by 28 December 2026.",
        "enclosures": [str(evidence.public_id)],
    }
    first = client.post(_new_url(concern, "school-complaint"), data)
    second = client.post(_new_url(concern, "school-complaint"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Letter.objects.count() == 1, "a double submit saves one letter"
    letter = Letter.objects.get()
    assert letter.body.startswith("Dear school")
    page = client.get(first["Location"])
    assert page.status_code == 200
    for fmt, kind in (("docx", "wordprocessingml"), ("pdf", "application/pdf"), ("txt", "text")):
        download = client.get(f"{first['Location']}.{fmt}")
        assert download.status_code == 200, fmt
        assert kind in download["Content-Type"]
        assert int(download["Content-Length"]) == len(download.content) > 0
    # A stale edit is refused with a message, and changes nothing.
    edit_url = f"{first['Location']}/edit"
    stale = client.post(edit_url, {"body": "Changed", "version": "99"})
    assert stale.status_code == 409
    assert "Someone else changed this letter" in stale.content.decode()
    ok = client.post(
        edit_url,
        {
            "body": "Dear school,\n\nChanged.",
            "version": str(letter.version),
            "enclosures": [str(evidence.public_id)],
        },
    )
    assert ok.status_code == 302
    letter.refresh_from_db()
    assert letter.body.startswith("Dear school,\n\nChanged.")
    # Marking it sent puts it in the timeline and moves the concern to waiting for the answer.
    sent = client.post(
        f"{first['Location']}/sent",
        {
            "sent_on-day": "26",
            "sent_on-month": "11",
            "sent_on-year": "2026",
            "version": str(letter.version),
        },
    )
    assert sent.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "sent"
    assert letter.sent_on == dt.date(2026, 11, 26)
    entry = Entry.objects.get(pk=letter.entry_id)
    assert entry.kind == "letter_sent"
    assert entry.date == dt.date(2026, 11, 26)
    assert "Changed." in entry.current.body
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.facts["school_stage"] == "formal_complaint_made"
    assert concern.current_step == "school-wait-response"
    assert concern.events.filter(kind="made", step="school-formal-complaint").exists()
    case_page = client.get(f"/cases/{concern.case.public_id}", follow=True)
    assert "Formal complaint to the school" in case_page.content.decode()


def test_a_letter_that_does_not_fit_the_stage_is_refused_with_a_message(client, people):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "school-complaint")
    response = client.get(_new_url(concern, "school-governors"))
    assert response.status_code == 400
    assert "does not fit this concern now" in response.content.decode()
    unknown = client.get(_new_url(concern, "no-such-letter"))
    assert unknown.status_code == 400
    assert "There is no letter called" in unknown.content.decode()
    posted = client.post(_new_url(concern, "school-governors"), {"body": "x"})
    assert posted.status_code == 400
    assert Letter.objects.count() == 0


def test_an_empty_letter_is_not_saved(client, people):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "school-complaint")
    response = client.post(_new_url(concern, "school-complaint"), {"body": "  "})
    assert response.status_code == 400
    assert "cannot be empty" in response.content.decode()
    assert Letter.objects.count() == 0


def test_another_family_cannot_see_or_draft_letters(client, people):
    concern = _concern(people, "school-complaint")
    letter = letter_create(
        concern=concern,
        actor=people["owner"],
        type_id="school-complaint",
        body="Dear school",
        enclosures=[],
    )
    sign_in_as(client, people["other_family"])
    base = f"/cases/{concern.case.public_id}/letters/{letter.public_id}"
    for url in (_new_url(concern, "school-complaint"), base, f"{base}.pdf", f"{base}/sent"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/sent", {"sent_on-day": "1"}).status_code == 404


def test_an_unknown_download_format_is_not_found(client, people):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "school-complaint")
    letter = letter_create(
        concern=concern,
        actor=people["owner"],
        type_id="school-complaint",
        body="Dear school",
        enclosures=[],
    )
    assert (
        client.get(f"/cases/{concern.case.public_id}/letters/{letter.public_id}.exe").status_code
        == 404
    )


def test_the_draft_tells_the_story_of_the_case_from_its_records(people):
    from sendroute.cases.services import stage_event_record

    concern = _concern(people, "school-complaint")
    owner = people["owner"]
    stage_event_record(
        concern=concern, actor=owner, step="school-formal-complaint", kind="made",
        date=dt.date(2026, 11, 3), how="in_writing", to_whom="Mrs Head",
    )  # fmt: skip
    stage_event_record(
        concern=concern, actor=owner, step="school-formal-complaint", kind="response",
        date=dt.date(2026, 11, 20), outcome="not_satisfied", summary="No extra help offered.",
    )  # fmt: skip
    concern.refresh_from_db()
    draft = compose.draft(catalogue().types["school-governors"], concern)
    assert "I made a formal complaint to the school on 3 November 2026." in draft.body
    assert "The school answered on 20 November 2026." in draft.body
    assert "- 3 November 2026: Make a formal complaint" in draft.body
    assert "(to Mrs Head)" in draft.body
    assert "No extra help offered." in draft.body


def test_the_letter_before_claim_is_honest_about_the_14_days(client, people):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "letter-before-claim")
    page = client.get(_new_url(concern, "letter-before-claim")).content.decode()
    assert "We could not check the 14 days" in page
    draft = compose.draft(catalogue().types["letter-before-claim"], concern)
    assert "14 calendar days from today" in draft.body
    assert "We could not check" not in draft.body


def test_a_file_that_fails_to_build_is_not_offered_half_made(client, people, monkeypatch):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "school-complaint")
    letter = letter_create(
        concern=concern, actor=people["owner"], type_id="school-complaint", body="Dear school",
        enclosures=[],
    )  # fmt: skip

    def broken(doc, fmt):
        raise RuntimeError("the PDF library failed half-way")

    monkeypatch.setattr(render, "build", broken)
    response = client.get(f"/cases/{concern.case.public_id}/letters/{letter.public_id}.pdf")
    assert response.status_code == 500
    assert "Content-Disposition" not in response
    assert "nothing was downloaded" in response.content.decode()


def test_saved_letters_are_listed_when_choosing_a_letter(client, people):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "school-complaint")
    letter_create(
        concern=concern, actor=people["owner"], type_id="school-complaint", body="Dear school",
        enclosures=[],
    )  # fmt: skip
    page = client.get(_new_url(concern)).content.decode()
    assert "Letters you have saved for this concern" in page
    assert "(draft)" in page


def test_a_letter_cannot_be_marked_sent_in_the_future(client, people):
    sign_in_as(client, people["owner"])
    concern = _concern(people, "school-complaint")
    letter = letter_create(
        concern=concern, actor=people["owner"], type_id="school-complaint", body="Dear school",
        enclosures=[],
    )  # fmt: skip
    url = f"/cases/{concern.case.public_id}/letters/{letter.public_id}/sent"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"sent_on-day": "1", "sent_on-month": "1", "sent_on-year": "2027", "version": "1"}
    )
    assert response.status_code == 400
    assert "today or in the past" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == "draft"
    assert Entry.objects.filter(kind="letter_sent").count() == 0
