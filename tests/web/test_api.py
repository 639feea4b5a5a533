"""The JSON API: advice, facts, rules, areas and the OpenAPI document, and its error responses."""

from __future__ import annotations

import json

import jsonschema
import pytest

from sendroute.rules.packs import BUILTIN_PACKS

SCHEMA = json.loads((BUILTIN_PACKS.parent / "rules" / "advice.schema.json").read_text())
FACTS = {
    "child_at_risk": False,
    "abuse_allegation": False,
    "missing_education": False,
    "concern_about": ["school"],
    "school_stage": "not_started",
    "school_incident_date": "2026-11-20",
    "school_blocking_procedure": False,
}


def post(client, body, raw: bool = False):
    data = body if raw else json.dumps(body)
    return client.post("/api/v1/advice", data=data, content_type="application/json")


def test_advice_returns_the_same_schema_as_the_cli(client):
    response = post(client, {"area": "norfolk", "today": "2026-11-27", "facts": FACTS})
    assert response.status_code == 200
    data = response.json()
    jsonschema.validate(data, SCHEMA)
    assert data["concerns"][0]["next_steps"][0]["id"] == "school-talk-teacher"


def test_advice_area_and_today_are_optional(client):
    response = post(client, {"facts": {}})
    assert response.status_code == 200
    assert response.json()["today"] == "2026-11-27"
    assert response.json()["next_question"]["fact"] == "child_at_risk"


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ('{"facts": ', 400, "body", "not valid JSON"),
        ("[1, 2]", 422, "body", "JSON object"),
        ("{}", 422, "facts", "required"),
        ({"facts": {"school_stag": "x"}}, 422, "facts.school_stag", "no fact called"),
        ({"facts": {"child_at_risk": "maybe"}}, 422, "facts.child_at_risk", "yes or no"),
        (
            {"facts": {"school_incident_date": "2026-02-31"}},
            422,
            "facts.school_incident_date",
            "not a real date",
        ),
        (
            {"facts": {"school_incident_date": "2026-12-31"}},
            422,
            "facts.school_incident_date",
            "after today",
        ),
        ({"today": "31/12/2026", "facts": {}}, 422, "today", "YYYY-MM-DD"),
        ({"today": "2031-01-01", "facts": {}}, 422, "today", "outside the dates"),
        ({"area": "atlantis", "facts": {}}, 422, "area", "no area"),
        ({"facts": "school"}, 422, "facts", ""),
    ],
)
def test_bad_input_gets_a_problem_naming_the_field(client, body, status, field, words):
    response = post(client, body, raw=isinstance(body, str))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["field"] == field
    assert words in problem["detail"] + problem["title"]


def test_facts_lists_every_fact(client):
    facts = client.get("/api/v1/facts").json()
    names = [f["name"] for f in facts]
    assert names[0] == "child_at_risk"
    assert "school_stage" in names


def test_rules_explains_a_step_and_a_source(client):
    step = client.get("/api/v1/rules/school-dfe").json()
    assert step["kind"] == "step"
    assert "school_blocking_procedure is yes" in step["details"]["requires"][0]["condition"]
    source = client.get("/api/v1/rules/R-SCH-02").json()
    assert "school-complaint-time-limit" in source["details"]["used_by"]


def test_an_unknown_rule_is_a_404_problem(client):
    response = client.get("/api/v1/rules/no-such-rule")
    assert response.status_code == 404
    assert response.json()["field"] == "rule_id"


def test_areas_lists_norfolk(client):
    assert client.get("/api/v1/areas").json() == [
        {
            "id": "norfolk",
            "name": "Norfolk",
            "version": client.get("/api/v1/areas").json()[0]["version"],
            "extends": "england",
        }
    ]


def test_the_openapi_document_and_human_docs_are_published(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/advice" in doc["paths"]
    html = client.get("/api/v1/docs").content.decode()
    assert "POST /api/v1/advice" in html
