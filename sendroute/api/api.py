"""The API's operations. Each parses input, calls the rules core, and returns plain data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sendroute.journey.services import journey_today
from sendroute.rules import (
    InputError,
    advise,
    available_areas,
    load_ruleset,
    parse_facts,
    parse_today,
)
from sendroute.rules.explain import explain_rule

from .problems import PROBLEM_TYPE, problem
from .schemas import AdviceModel, AdviceRequest, AreaOut, FactOut, Problem, RuleOut


class _SendrouteAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document says error responses are application/problem+json."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for methods in schema["paths"].values():
            for operation in methods.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(code).startswith(("4", "5")) and "application/json" in content:
                        content[PROBLEM_TYPE] = content.pop("application/json")
        return schema


api = _SendrouteAPI(
    title="sendroute API",
    version="1",
    description=(
        "Advice about SEND complaints and disagreements in England, with every rule cited. "
        "Errors are RFC 9457 problem details naming the field that is wrong."
    ),
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "payload")]
        errors.append(
            {"field": ".".join(loc) or "body", "message": str(e.get("msg", "is not valid"))}
        )
    first = errors[0] if errors else {"field": "body", "message": "is not valid"}
    try:
        not_an_object = not isinstance(json.loads(request.body or b"{}"), dict)
    except ValueError:
        not_an_object = True
    if first["field"] == "body" or not_an_object:
        return problem(
            422,
            "The request body must be a JSON object",
            'Send a JSON object with facts, and optionally area and today, such as {"facts": {}}.',
            field="body",
            errors=errors,
        )
    return problem(
        422,
        "Some of the request is not valid",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        errors=errors,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return problem(
            400,
            "The request body is not valid JSON",
            'Send a JSON object, such as {"facts": {"child_at_risk": false}}.',
            field="body",
        )
    return problem(exc.status_code, "The request cannot be handled", str(exc))


@api.exception_handler(InputError)
def _input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    field = exc.field or "body"
    if field.startswith('fact "'):
        field = "facts." + field[6:-1]
    return problem(422, "Some of the facts are not valid", exc.message, field=field)


def _today(text: str | None) -> dt.date:
    return journey_today() if text is None else parse_today(text, field="today")


@api.post(
    "/advice",
    response={200: AdviceModel, 400: Problem, 422: Problem},
    by_alias=True,
    summary="Get advice for a set of facts",
    description="The same advice as `sendroute advise --format json`: next steps, other options, what is not open and why, deadlines, warnings, and the next question.",
    tags=["advice"],
)
def post_advice(request: HttpRequest, payload: AdviceRequest) -> Any:
    rules = load_ruleset(payload.area or settings.SENDROUTE_DEFAULT_AREA)
    today = _today(payload.today)
    advice = advise(rules, parse_facts(payload.facts, rules, today), today)
    # Returned as it is, so the API's JSON is byte-for-byte the CLI's (schema sendroute.advice/1);
    # AdviceModel above documents it in the OpenAPI document.
    return JsonResponse(advice.to_dict(), json_dumps_params={"ensure_ascii": False})


@api.get("/facts", response=list[FactOut], summary="Every fact the advice can use", tags=["rules"])
def get_facts(request: HttpRequest) -> Any:
    rules = load_ruleset(settings.SENDROUTE_DEFAULT_AREA)
    return [
        {
            "name": f.id,
            "type": f.type,
            "question": f.question,
            "hint": f.hint,
            "why": f.why,
            "values": [{"value": v.value, "label": v.label, "hint": v.hint} for v in f.values],
            "priority": f.priority,
        }
        for f in rules.facts.values()
    ]


@api.get(
    "/rules/{rule_id}",
    response={200: RuleOut, 404: Problem},
    summary="One rule: a step, deadline, warning or source, with its conditions and citations",
    tags=["rules"],
)
def get_rule(request: HttpRequest, rule_id: str) -> Any:
    found = explain_rule(load_ruleset(settings.SENDROUTE_DEFAULT_AREA), rule_id)
    if found is None:
        return problem(
            404,
            "No such rule",
            f"There is no rule called {rule_id!r}. Rule ids look like 'school-dfe' or 'R-LGO-01'.",
            field="rule_id",
        )
    return Status(200, found)


@api.get(
    "/areas", response=list[AreaOut], summary="The areas sendroute has rules for", tags=["rules"]
)
def get_areas(request: HttpRequest) -> Any:
    return [
        {"id": a.id, "name": a.area_name or a.name, "version": a.version, "extends": a.extends}
        for a in available_areas().values()
    ]
