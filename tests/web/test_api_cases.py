"""The case file API: token auth, the same access as the web (others' objects are 404), version
checks (409), idempotent creates, stages moving a concern on, and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sendroute.accounts.services import token_create, token_revoke
from sendroute.cases.audit import Action
from sendroute.cases.models import AuditEvent, Case, Concern, Entry, Evidence, Setting
from sendroute.cases.services import concern_create, entry_create, share_grant

from .conftest import sign_in_as

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SCHOOL_FACTS = {"concern_about": ["school"], "school_stage": "met_head_or_senco"}


class Api:
    """Django's test client, speaking JSON with one person's token."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body=None, **headers):
        data = json.dumps(body) if body is not None else None
        send = getattr(self.client, method)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return send(API + path, data=data, **kwargs, **self.headers, **headers)

    def get(self, path: str, **headers):
        return self._send("get", path, **headers)

    def post(self, path: str, body, **headers):
        return self._send("post", path, body, **headers)

    def patch(self, path: str, body, **headers):
        return self._send("patch", path, body, **headers)

    def delete(self, path: str, **headers):
        return self._send("delete", path, **headers)

    def upload(self, path: str, content: bytes = PDF, name: str = "letter.pdf", **fields):
        data = {"file": SimpleUploadedFile(name, content), **fields}
        return self.client.post(API + path, data=data, **self.headers)


def api_for(client, user) -> Api:
    token, _ = token_create(user=user)
    return Api(client, token)


@pytest.fixture
def world(people):
    """The owner's case with a school concern, a note and a file; and an API for each person."""
    from sendroute.cases.evidence_store import evidence_save

    case = people["case"]
    owner = people["owner"]
    concern = concern_create(case=case, actor=owner, route="school", facts=SCHOOL_FACTS)
    note = entry_create(
        case=case, actor=owner, kind="note", date=dt.date(2026, 11, 20), title="Met the SENCo"
    )
    evidence = evidence_save(
        case=case, actor=owner, upload=SimpleUploadedFile("letter.pdf", PDF), title="Letter"
    )
    return {**people, "concern": concern, "note": note, "evidence": evidence}


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


# -- tokens ------------------------------------------------------------------------------------


def test_a_request_without_a_token_gets_401_asking_for_a_bearer_token(client, people):
    response = Api(client, None).get("/cases")
    body = problem_of(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.parametrize("header", ["Bearer sr_not_a_real_token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_an_unknown_or_malformed_token_gets_401(client, people, header):
    response = client.get(f"{API}/cases", HTTP_AUTHORIZATION=header)
    problem_of(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401(client, people):
    token, record = token_create(user=people["owner"])
    assert Api(client, token).get("/cases").status_code == 200
    token_revoke(record=record)
    response = Api(client, token).get("/cases")
    problem_of(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_token_of_a_deactivated_person_gets_401(client, people):
    api = api_for(client, people["owner"])
    people["owner"].is_active = False
    people["owner"].save()
    problem_of(api.get("/cases"), 401)


def test_a_signed_in_browser_session_is_not_enough_for_the_case_api(client, people):
    sign_in_as(client, people["owner"])
    problem_of(client.get(f"{API}/cases"), 401)


def test_the_advice_needs_no_token(client, people):
    assert client.get(f"{API}/areas").status_code == 200


# -- cases -------------------------------------------------------------------------------------


def test_a_family_member_starts_lists_reads_changes_and_deletes_a_case(client, people):
    api = api_for(client, people["young_person"])
    made = api.post("/cases", {"title": "My college", "area": "norfolk"})
    assert made.status_code == 201
    case = made.json()
    assert case["title"] == "My college"
    assert case["area"] == "norfolk"
    assert case["version"] == 1
    assert case["access"] == "own"
    assert case["child_has_ehc_plan"] is None
    assert [c["id"] for c in api.get("/cases").json()] == [case["id"]]

    read = api.get(f"/cases/{case['id']}")
    assert read.status_code == 200
    assert read.json() == case

    changed = api.patch(
        f"/cases/{case['id']}",
        {"version": 1, "child_setting": "college", "child_has_ehc_plan": True},
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert changed.json()["child_setting"] == "college"
    assert changed.json()["title"] == "My college"

    assert api.delete(f"/cases/{case['id']}").status_code == 204
    assert not Case.objects.filter(public_id=case["id"]).exists()
    problem_of(api.get(f"/cases/{case['id']}"), 404)


def test_a_case_can_be_started_with_every_child_detail(client, people):
    api = api_for(client, people["owner"])
    body = {
        "title": "Ali",
        "area": "norfolk",
        "child_name": "A",
        "child_birth_year": 2016,
        "child_school_year": "Year 5",
        "child_has_ehc_plan": False,
        "child_setting": "mainstream",
    }
    case = api.post("/cases", body).json()
    assert {k: case[k] for k in body} == body


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"title": "Sam", "area": "atlantis"}, "area", "atlantis"),
        ({"title": "  ", "area": "norfolk"}, "title", "Enter a name"),
        ({"area": "norfolk"}, "title", "required"),
        (
            {"title": "Sam", "area": "norfolk", "child_birth_year": 1900},
            "child_birth_year",
            "between",
        ),
        ({"title": "Sam", "area": "norfolk", "child_setting": "castle"}, "child_setting", ""),
        ({"title": "Sam", "area": "norfolk", "colour": "blue"}, "colour", "Extra"),
    ],
)
def test_a_case_that_cannot_be_started_gets_422_naming_the_field(
    client, people, body, field, words
):
    problem = problem_of(api_for(client, people["owner"]).post("/cases", body), 422)
    assert problem["field"] == field
    assert words in problem["detail"]
    assert not Case.objects.filter(title="Sam").exists()


@pytest.mark.parametrize("role", ["linked_adviser", "staff", "administrator"])
def test_only_families_start_cases(client, people, role):
    problem = problem_of(
        api_for(client, people[role]).post("/cases", {"title": "Sam", "area": "norfolk"}), 403
    )
    assert "Only parents, carers and young people can start a case" in problem["detail"]


def test_the_area_of_a_case_cannot_be_changed(client, people):
    case = people["case"]
    problem = problem_of(
        api_for(client, people["owner"]).patch(
            f"/cases/{case.public_id}", {"version": 1, "area": "norfolk"}
        ),
        422,
    )
    assert problem["field"] == "area"


def test_a_change_needs_the_version(client, people):
    case = people["case"]
    problem = problem_of(
        api_for(client, people["owner"]).patch(f"/cases/{case.public_id}", {"title": "New"}), 422
    )
    assert problem["field"] == "version"


def test_a_change_from_a_stale_version_is_refused_with_409_and_overwrites_nothing(client, people):
    case = people["case"]
    first, second = api_for(client, people["owner"]), api_for(client, people["owner"])
    assert (
        first.patch(f"/cases/{case.public_id}", {"version": 1, "title": "Sam at Elm"}).status_code
        == 200
    )
    response = second.patch(f"/cases/{case.public_id}", {"version": 1, "title": "Sam at Ash"})
    problem = problem_of(response, 409)
    assert problem["type"].endswith("#problem-version-conflict")
    assert "Someone else changed this case while you were editing it" in problem["detail"]
    assert problem["current_version"] == 2
    case.refresh_from_db()
    assert case.title == "Sam at Elm"


def test_staff_and_administrators_see_no_cases(client, people):
    for role in ("staff", "administrator", "unlinked_adviser", "other_family"):
        assert api_for(client, people[role]).get("/cases").json() == []


def test_an_adviser_lists_the_cases_shared_with_them_and_their_access(client, people):
    cases = api_for(client, people["linked_adviser"]).get("/cases").json()
    assert [(c["id"], c["access"]) for c in cases] == [(str(people["case"].public_id), "edit")]


def test_a_badly_formed_id_is_422_naming_it(client, people):
    problem = problem_of(api_for(client, people["owner"]).get("/cases/not-a-uuid"), 422)
    assert problem["field"] == "case_id"


# -- nobody else sees anything -----------------------------------------------------------------


def object_operations(w) -> list[tuple[str, str, object]]:
    case, concern, note, evidence = w["case"].public_id, w["concern"], w["note"], w["evidence"]
    c, n, e = concern.public_id, note.public_id, evidence.public_id
    return [
        ("get", f"/cases/{case}", None),
        ("patch", f"/cases/{case}", {"version": 1, "title": "Taken"}),
        ("delete", f"/cases/{case}", None),
        ("get", f"/cases/{case}/concerns", None),
        ("post", f"/cases/{case}/concerns", {"route": "school"}),
        ("get", f"/cases/{case}/concerns/{c}", None),
        ("patch", f"/cases/{case}/concerns/{c}", {"version": 1, "facts": {}}),
        ("get", f"/cases/{case}/concerns/{c}/events", None),
        (
            "post",
            f"/cases/{case}/concerns/{c}/events",
            {"step": "school-formal-complaint", "kind": "made", "date": "2026-11-20"},
        ),
        ("get", f"/cases/{case}/notes", None),
        ("post", f"/cases/{case}/notes", {"kind": "note", "date": "2026-11-20", "title": "x"}),
        ("get", f"/cases/{case}/notes/{n}", None),
        ("patch", f"/cases/{case}/notes/{n}", {"version": 1, "title": "x"}),
        ("get", f"/cases/{case}/notes/{n}/revisions", None),
        ("get", f"/cases/{case}/evidence", None),
        ("upload", f"/cases/{case}/evidence", None),
        ("get", f"/cases/{case}/evidence/{e}", None),
        ("get", f"/cases/{case}/evidence/{e}/download", None),
        ("delete", f"/cases/{case}/evidence/{e}", None),
    ]


def send(api: Api, method: str, path: str, body):
    if method == "upload":
        return api.upload(path)
    if body is None:
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


def unchanged(w) -> None:
    w["case"].refresh_from_db()
    assert w["case"].version == 1
    assert w["case"].title == "Sam at Oak School"
    assert Concern.objects.filter(case=w["case"]).count() == 1
    assert w["concern"].events.count() == 0
    assert Entry.objects.filter(case=w["case"]).count() == 1
    assert Evidence.objects.filter(case=w["case"]).count() == 1


@pytest.mark.parametrize("role", ["other_family", "unlinked_adviser", "staff", "administrator"])
def test_everyone_else_gets_404_on_every_operation_and_changes_nothing(client, world, role):
    api = api_for(client, world[role])
    for method, path, body in object_operations(world):
        problem = problem_of(send(api, method, path, body), 404)
        assert "nothing with this id that you can see" in problem["detail"], (method, path)
    unchanged(world)
    assert not AuditEvent.objects.filter(actor_id=world[role].pk).exclude(action="access.refused")


def test_a_revoked_share_ends_the_advisers_access(client, world):
    from sendroute.cases.services import share_revoke

    api = api_for(client, world["linked_adviser"])
    path = f"/cases/{world['case'].public_id}"
    assert api.get(path).status_code == 200
    share_revoke(share=world["case"].shares.get(), actor=world["owner"])
    problem_of(api.get(path), 404)


def test_an_adviser_who_can_only_view_reads_everything_but_writes_nothing(client, world):
    share_grant(
        case=world["case"], actor=world["owner"], adviser_email="linked@example.org", access="view"
    )
    api = api_for(client, world["linked_adviser"])
    for method, path, body in object_operations(world):
        response = send(api, method, path, body)
        if method == "get":
            assert response.status_code == 200, path
        else:
            problem_of(response, 404)
    unchanged(world)
    assert api.get("/cases").json()[0]["access"] == "view"


def test_an_adviser_who_can_edit_adds_to_the_case_but_cannot_change_or_delete_it(client, world):
    api = api_for(client, world["linked_adviser"])
    case = world["case"].public_id
    problem_of(api.patch(f"/cases/{case}", {"version": 1, "title": "Taken"}), 404)
    problem_of(api.delete(f"/cases/{case}"), 404)
    note = api.post(f"/cases/{case}/notes", {"kind": "note", "date": "2026-11-26", "title": "Call"})
    assert note.status_code == 201
    assert api.upload(f"/cases/{case}/evidence").status_code == 201


# -- concerns and stages -----------------------------------------------------------------------


def test_a_concern_is_added_and_read_with_its_next_step_and_deadlines(client, people):
    api = api_for(client, people["owner"])
    case = people["case"].public_id
    made = api.post(f"/cases/{case}/concerns", {"route": "school", "facts": SCHOOL_FACTS})
    assert made.status_code == 201
    concern = made.json()
    assert concern["route"] == "school"
    assert concern["version"] == 1
    assert concern["current_step"] == "school-formal-complaint"
    assert concern["advice"]["next_step"]["id"] == "school-formal-complaint"
    assert api.get(f"/cases/{case}/concerns/{concern['id']}").json()["id"] == concern["id"]
    assert [c["id"] for c in api.get(f"/cases/{case}/concerns").json()] == [concern["id"]]
    assert api.get(f"/cases/{case}").json()["concerns"][0]["id"] == concern["id"]


def test_an_unknown_route_is_422_naming_it(client, people):
    problem = problem_of(
        api_for(client, people["owner"]).post(
            f"/cases/{people['case'].public_id}/concerns", {"route": "moon"}
        ),
        422,
    )
    assert problem["field"] == "route"


def test_changing_a_concerns_answers_says_what_changed_and_checks_the_version(client, world):
    api = api_for(client, world["owner"])
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}"
    changed = api.patch(
        path, {"version": 1, "facts": {"school_stage": "formal_complaint_answered"}}
    )
    assert changed.status_code == 200
    body = changed.json()
    assert body["version"] == 2
    assert body["facts"]["school_stage"] == "formal_complaint_answered"
    assert any(line.startswith("Your next step is now") for line in body["changes"])

    stale = api.patch(path, {"version": 1, "facts": {"school_stage": "not_started"}})
    problem = problem_of(stale, 409)
    assert problem["current_version"] == 2
    world["concern"].refresh_from_db()
    assert world["concern"].facts["school_stage"] == "formal_complaint_answered"


def test_a_wrong_answer_is_422_naming_the_fact(client, world):
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}"
    problem = problem_of(
        api_for(client, world["owner"]).patch(
            path, {"version": 1, "facts": {"school_stage": "on_the_moon"}}
        ),
        422,
    )
    assert problem["field"] == "facts.school_stage"


def test_recording_the_complaint_made_moves_the_concern_on(client, world):
    api = api_for(client, world["owner"])
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}"
    assert world["concern"].current_step == "school-formal-complaint"
    recorded = api.post(
        f"{path}/events",
        {
            "step": "school-formal-complaint",
            "kind": "made",
            "date": "2026-11-20",
            "how": "in_writing",
            "to_whom": "The head teacher",
        },
    )
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["event"]["step"] == "school-formal-complaint"
    assert body["event"]["step_title"].startswith("Make a formal complaint")
    concern = body["concern"]
    assert concern["facts"]["school_stage"] == "formal_complaint_made"
    assert concern["current_step"] != "school-formal-complaint"
    assert concern["current_step"] == "school-wait-response"
    assert concern["version"] == 2
    assert concern["changes"]
    events = api.get(f"{path}/events").json()
    assert [(e["kind"], e["to_whom"]) for e in events] == [("made", "The head teacher")]


def test_a_stage_the_rules_did_not_expect_needs_confirming(client, world):
    api = api_for(client, world["owner"])
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}/events"
    body = {"step": "school-governors", "kind": "made", "date": "2026-11-20"}
    problem = problem_of(api.post(path, body), 409)
    assert problem["type"].endswith("#problem-stage-needs-confirmation")
    assert problem["reasons"]
    assert '"confirm": true' in problem["detail"]
    assert world["concern"].events.count() == 0
    assert api.post(path, {**body, "confirm": True}).status_code == 201
    assert world["concern"].events.count() == 1


def test_a_stage_event_from_a_stale_concern_version_is_409(client, world):
    api = api_for(client, world["owner"])
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}/events"
    body = {"step": "school-formal-complaint", "kind": "made", "date": "2026-11-20", "version": 7}
    problem = problem_of(api.post(path, body), 409)
    assert problem["current_version"] == 1
    assert world["concern"].events.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"step": "no-such-step"}, "step"),
        ({"kind": "shouted"}, "kind"),
        ({"date": "2026-12-25"}, "date"),
        ({"date": "25/11/2026"}, "date"),
        ({"kind": "outcome"}, "outcome"),
    ],
)
def test_a_stage_event_that_is_not_valid_is_422_naming_the_field(client, world, change, field):
    api = api_for(client, world["owner"])
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}/events"
    body = {"step": "school-formal-complaint", "kind": "made", "date": "2026-11-20", **change}
    assert problem_of(api.post(path, body), 422)["field"] == field


# -- notes -------------------------------------------------------------------------------------


def test_a_note_is_added_edited_as_a_new_revision_and_its_history_read(client, world):
    api = api_for(client, world["owner"])
    case = world["case"].public_id
    made = api.post(
        f"/cases/{case}/notes",
        {
            "kind": "letter_received",
            "date": "2026-11-25",
            "title": "Reply from the school",
            "people": "Head teacher",
            "concern": str(world["concern"].public_id),
        },
    )
    assert made.status_code == 201
    note = made.json()
    assert (note["version"], note["revision"]) == (1, 1)
    assert note["concern"] == str(world["concern"].public_id)

    edited = api.patch(f"/cases/{case}/notes/{note['id']}", {"version": 1, "body": "They said no."})
    assert edited.status_code == 200
    assert edited.json()["body"] == "They said no."
    assert edited.json()["title"] == "Reply from the school"
    assert (edited.json()["version"], edited.json()["revision"]) == (2, 2)

    stale = api.patch(f"/cases/{case}/notes/{note['id']}", {"version": 1, "body": "Lost"})
    assert problem_of(stale, 409)["current_version"] == 2

    revisions = api.get(f"/cases/{case}/notes/{note['id']}/revisions").json()
    assert [(r["number"], r["body"]) for r in revisions] == [(1, ""), (2, "They said no.")]
    assert api.get(f"/cases/{case}/notes/{note['id']}").json()["body"] == "They said no."
    assert [n["title"] for n in api.get(f"/cases/{case}/notes").json()] == [
        "Met the SENCo",
        "Reply from the school",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"date": "2027-01-01"}, "date"),
        ({"kind": "diary"}, "kind"),
        ({"concern": str(uuid.uuid4())}, "concern"),
    ],
)
def test_a_note_that_is_not_valid_is_422_naming_the_field(client, people, change, field):
    body = {"kind": "note", "date": "2026-11-20", "title": "Call", **change}
    response = api_for(client, people["owner"]).post(
        f"/cases/{people['case'].public_id}/notes", body
    )
    assert problem_of(response, 422)["field"] == field


# -- evidence ----------------------------------------------------------------------------------


def test_a_file_is_uploaded_listed_downloaded_and_deleted(client, world):
    api = api_for(client, world["owner"])
    case = world["case"].public_id
    made = api.upload(
        f"/cases/{case}/evidence",
        name="reply.pdf",
        title="The school's reply",
        concern=str(world["concern"].public_id),
        note=str(world["note"].public_id),
        document_date="2026-11-24",
    )
    assert made.status_code == 201, made.content
    file = made.json()
    assert file["title"] == "The school's reply"
    assert file["content_type"] == "application/pdf"
    assert file["size"] == len(PDF)
    assert file["concern"] == str(world["concern"].public_id)
    assert file["note"] == str(world["note"].public_id)
    assert file["document_date"] == "2026-11-24"
    assert file["id"] in [f["id"] for f in api.get(f"/cases/{case}/evidence").json()]

    download = api.get(f"/cases/{case}/evidence/{file['id']}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF

    assert api.delete(f"/cases/{case}/evidence/{file['id']}").status_code == 204
    problem_of(api.get(f"/cases/{case}/evidence/{file['id']}"), 404)


@pytest.mark.parametrize(
    ("content", "fields", "field"),
    [
        (b"<html><script>alert(1)</script></html>", {}, "file"),
        (b"", {}, "file"),
        (PDF, {"document_date": "yesterday"}, "document_date"),
        (PDF, {"concern": "not-an-id"}, "concern"),
        (PDF, {"note": str(uuid.uuid4())}, "note"),
    ],
)
def test_a_file_that_is_not_accepted_is_422_naming_the_field(
    client, people, content, fields, field
):
    api = api_for(client, people["owner"])
    response = api.upload(f"/cases/{people['case'].public_id}/evidence", content=content, **fields)
    assert problem_of(response, 422)["field"] == field
    assert not Evidence.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_kept(client, people, settings):
    settings.SENDROUTE_EVIDENCE_MAX_BYTES = 1024
    api = api_for(client, people["owner"])
    response = api.upload(f"/cases/{people['case'].public_id}/evidence", content=PDF * 100)
    problem = problem_of(response, 422)
    assert problem["field"] == "file"
    assert "smaller than 1KB" in problem["detail"]


def test_an_upload_without_a_file_is_422(client, people):
    api = api_for(client, people["owner"])
    response = client.post(
        f"{API}/cases/{people['case'].public_id}/evidence", data={"title": "x"}, **api.headers
    )
    assert problem_of(response, 422)["field"] == "file"


def test_a_file_changed_on_disk_is_not_sent(client, world):
    from sendroute.cases.evidence_store import evidence_path

    evidence_path(world["evidence"]).write_bytes(PDF + b"tampered")
    path = f"/cases/{world['case'].public_id}/evidence/{world['evidence'].public_id}/download"
    problem_of(api_for(client, world["owner"]).get(path), 409)
    evidence_path(world["evidence"]).unlink()
    problem_of(api_for(client, world["owner"]).get(path), 410)


# -- idempotency -------------------------------------------------------------------------------


def test_a_repeated_create_with_the_same_idempotency_key_makes_one_case(client, people):
    api = api_for(client, people["owner"])
    body = {"title": "Ali", "area": "norfolk"}
    first = api.post("/cases", body, HTTP_IDEMPOTENCY_KEY="key-1")
    again = api.post("/cases", body, HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Case.objects.filter(title="Ali").count() == 1
    other = api.post("/cases", body, HTTP_IDEMPOTENCY_KEY="key-2")
    assert other.status_code == 201
    assert Case.objects.filter(title="Ali").count() == 2


def test_an_idempotency_key_reused_for_a_different_request_is_refused(client, people):
    api = api_for(client, people["owner"])
    api.post("/cases", {"title": "Ali", "area": "norfolk"}, HTTP_IDEMPOTENCY_KEY="k")
    response = api.post("/cases", {"title": "Bo", "area": "norfolk"}, HTTP_IDEMPOTENCY_KEY="k")
    assert problem_of(response, 422)["field"] == "Idempotency-Key"
    assert not Case.objects.filter(title="Bo").exists()


def test_idempotency_keys_belong_to_one_person(client, people):
    body = {"title": "Ali", "area": "norfolk"}
    mine = api_for(client, people["owner"]).post("/cases", body, HTTP_IDEMPOTENCY_KEY="k")
    theirs = api_for(client, people["other_family"]).post("/cases", body, HTTP_IDEMPOTENCY_KEY="k")
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


def test_repeated_notes_events_concerns_and_files_are_made_once(client, world):
    api = api_for(client, world["owner"])
    case = world["case"].public_id
    concern = world["concern"].public_id
    sends = [
        lambda: api.post(
            f"/cases/{case}/notes",
            {"kind": "note", "date": "2026-11-20", "title": "Call"},
            HTTP_IDEMPOTENCY_KEY="n",
        ),
        lambda: api.post(
            f"/cases/{case}/concerns/{concern}/events",
            {"step": "school-formal-complaint", "kind": "made", "date": "2026-11-20"},
            HTTP_IDEMPOTENCY_KEY="e",
        ),
        lambda: api.post(f"/cases/{case}/concerns", {"route": "school"}, HTTP_IDEMPOTENCY_KEY="c"),
        lambda: api.client.post(
            f"{API}/cases/{case}/evidence",
            data={"file": SimpleUploadedFile("a.pdf", PDF)},
            HTTP_IDEMPOTENCY_KEY="f",
            **api.headers,
        ),
    ]
    for send_it in sends:
        first, again = send_it(), send_it()
        assert (first.status_code, again.status_code) == (201, 200), first.content
        made, replayed = first.json(), again.json()
        if "event" in made:  # the concern as it is now comes with the event
            made, replayed = made["event"], replayed["event"]
        assert made == replayed
    assert Entry.objects.filter(case=world["case"]).count() == 2
    assert world["concern"].events.count() == 1
    assert Concern.objects.filter(case=world["case"]).count() == 2
    assert Evidence.objects.filter(case=world["case"]).count() == 2


# -- deadlines and audit -----------------------------------------------------------------------


def test_deadlines_lists_every_deadline_across_the_callers_cases(client, world):
    api = api_for(client, world["owner"])
    path = f"/cases/{world['case'].public_id}/concerns/{world['concern'].public_id}"
    assert api.get("/deadlines").json() == []  # no date to count from yet
    api.patch(path, {"version": 1, "facts": {"school_incident_date": "2026-11-10"}})
    rows = api.get("/deadlines").json()
    assert [(r["id"], r["date"], r["group"]) for r in rows] == [
        ("school-complaint-time-limit", "2027-02-10", "later")
    ]
    row = rows[0]
    assert row["case"] == str(world["case"].public_id)
    assert row["concern"] == str(world["concern"].public_id)
    assert row["status"] == "open"
    assert row["working_days_left"] > 40
    assert row["explanation"]
    assert api_for(client, world["other_family"]).get("/deadlines").json() == []
    assert api_for(client, world["staff"]).get("/deadlines").json() == []


def test_what_is_seen_and_changed_through_the_api_is_audited_as_api(client, world):
    api = api_for(client, world["linked_adviser"])
    case = world["case"].public_id
    api.get(f"/cases/{case}")
    api.get(f"/cases/{case}/concerns/{world['concern'].public_id}")
    api.post(f"/cases/{case}/notes", {"kind": "note", "date": "2026-11-20", "title": "Call"})
    api.get(f"/cases/{case}/evidence/{world['evidence'].public_id}/download")
    mine = AuditEvent.objects.filter(actor_id=world["linked_adviser"].pk)
    assert {e.via for e in mine} == {"api"}
    assert {e.action for e in mine} >= {
        Action.CASE_VIEWED,
        Action.CONCERN_VIEWED,
        Action.ENTRY_CREATED,
        Action.EVIDENCE_DOWNLOADED,
    }
    owner = api_for(client, world["owner"])
    made = owner.post("/cases", {"title": "Ali", "area": "norfolk"}).json()
    created = AuditEvent.objects.get(action=Action.CASE_CREATED, object_id=made["id"])
    assert created.via == "api"


# -- the OpenAPI document ----------------------------------------------------------------------


def test_the_openapi_document_lists_the_case_operations_with_bearer_security(client):
    doc = client.get(f"{API}/openapi.json").json()
    assert doc["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    expected = {
        ("get", "/api/v1/cases"),
        ("post", "/api/v1/cases"),
        ("get", "/api/v1/cases/{case_id}"),
        ("patch", "/api/v1/cases/{case_id}"),
        ("delete", "/api/v1/cases/{case_id}"),
        ("get", "/api/v1/cases/{case_id}/concerns"),
        ("post", "/api/v1/cases/{case_id}/concerns"),
        ("get", "/api/v1/cases/{case_id}/concerns/{concern_id}"),
        ("patch", "/api/v1/cases/{case_id}/concerns/{concern_id}"),
        ("get", "/api/v1/cases/{case_id}/concerns/{concern_id}/events"),
        ("post", "/api/v1/cases/{case_id}/concerns/{concern_id}/events"),
        ("get", "/api/v1/cases/{case_id}/notes"),
        ("post", "/api/v1/cases/{case_id}/notes"),
        ("get", "/api/v1/cases/{case_id}/notes/{note_id}"),
        ("patch", "/api/v1/cases/{case_id}/notes/{note_id}"),
        ("get", "/api/v1/cases/{case_id}/notes/{note_id}/revisions"),
        ("get", "/api/v1/cases/{case_id}/evidence"),
        ("post", "/api/v1/cases/{case_id}/evidence"),
        ("get", "/api/v1/cases/{case_id}/evidence/{evidence_id}"),
        ("get", "/api/v1/cases/{case_id}/evidence/{evidence_id}/download"),
        ("delete", "/api/v1/cases/{case_id}/evidence/{evidence_id}"),
        ("get", "/api/v1/deadlines"),
    }
    listed = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert expected <= listed
    for method, path in expected:
        operation = doc["paths"][path][method]
        assert operation["security"] == [{"TokenAuth": []}], (method, path)
        assert "application/problem+json" in operation["responses"]["401"]["content"]
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    for path in ("/api/v1/advice", "/api/v1/facts", "/api/v1/areas", "/api/v1/rules/{rule_id}"):
        for operation in doc["paths"][path].values():
            assert "security" not in operation
    upload = doc["paths"]["/api/v1/cases/{case_id}/evidence"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_the_documented_settings_are_the_models(client):
    doc = client.get(f"{API}/openapi.json").json()
    values = doc["components"]["schemas"]["CaseIn"]["properties"]["child_setting"]["enum"]
    assert set(values) == {"", *Setting.values}


def test_the_api_docs_page_explains_tokens_and_problems(client):
    html = client.get(f"{API}/docs").content.decode()
    assert "Authorization: Bearer" in html
    assert 'id="problem-version-conflict"' in html
    assert "PATCH /api/v1/cases/{case_id}" in html
