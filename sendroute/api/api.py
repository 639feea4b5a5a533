"""The API: the advice operations (here; each parses input, calls the rules core, and returns
plain data), the case file's (in cases, notes and evidence, behind a token), and the problem+json
answers to every kind of error."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sendroute.cases.services import CaseError
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

from . import cases, evidence, notes
from .case_common import REPLAYED_HEADER
from .idempotency import IdempotencyKeyError
from .problems import NOT_SIGNED_IN, PROBLEM_TYPE, problem
from .schemas import AdviceModel, AdviceRequest, AreaOut, FactOut, Problem, RuleOut

# Parts of a validation error's location that name where the input was, not which input it was.
_WHERE = frozenset({"body", "payload", "path", "query", "header", "form", "file", "cookie"})


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
                    if str(code) == "200" and "201" in operation["responses"]:
                        response["description"] = "A repeat: what the same Idempotency-Key made."
                        response["headers"] = {
                            REPLAYED_HEADER: {"schema": {"type": "string", "enum": ["true"]}}
                        }
                    if str(code) == "401":
                        response["headers"] = {
                            "WWW-Authenticate": {
                                "description": "Bearer: send a personal API token.",
                                "schema": {"type": "string"},
                            }
                        }
        return schema


api = _SendrouteAPI(
    title="sendroute API",
    version="1",
    description=(
        "Advice about SEND complaints and disagreements in England, with every rule cited, and "
        "the case file: cases, concerns, what happened at each stage, notes and letters, "
        "evidence files and deadlines. The advice, facts, rules and areas need no sign-in; the "
        "case file needs a personal API token, sent as `Authorization: Bearer TOKEN`, and gives "
        "exactly the access its owner has on the web. "
        "Errors are RFC 9457 problem details naming the field that is wrong."
    ),
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
)


api.add_router("", cases.router)
api.add_router("", notes.router)
api.add_router("", evidence.router)


def _body_is_not_an_object(request: HttpRequest) -> bool:
    if (request.content_type or "").startswith("multipart/"):
        return False
    try:
        return not isinstance(json.loads(request.body or b"{}"), dict)
    except (ValueError, RawPostDataException):
        return True


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in _WHERE]
        errors.append(
            {"field": ".".join(loc) or "body", "message": str(e.get("msg", "is not valid"))}
        )
    first = errors[0] if errors else {"field": "body", "message": "is not valid"}
    if first["field"] == "body" or _body_is_not_an_object(request):
        example = (
            'Send a JSON object with facts, and optionally area and today, such as {"facts": {}}.'
            if request.path.endswith("/advice")
            else "Send a JSON object with the fields described at /api/v1/docs."
        )
        return problem(
            422, "The request body must be a JSON object", example, field="body", errors=errors
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
            'Send a JSON object, such as {"facts": {"child_at_risk": false}}.'
            if request.path.endswith("/advice")
            else "Send a JSON object with the fields described at /api/v1/docs.",
            field="body",
        )
    return problem(exc.status_code, "The request cannot be handled", str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(
        413,
        "The request is too large",
        "Send less at once. Files are limited separately: see POST /api/v1/cases/{case_id}/evidence.",
        field="body",
    )


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        400,
        "The request body cannot be read",
        "Send the form as multipart/form-data, with the fields described at /api/v1/docs."
        if (request.content_type or "").startswith("multipart/")
        else "Send a JSON object with the fields described at /api/v1/docs.",
        field="body",
    )


@api.exception_handler(AuthenticationError)
def not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    given = bool(request.headers.get("Authorization", "").strip())
    response = problem(
        401,
        "A valid API token is needed",
        "The token is not known, or has been revoked. Make a new one on your account page."
        if given
        else "Send your personal API token as the header Authorization: Bearer TOKEN. Make one "
        "on your account page.",
        type=NOT_SIGNED_IN,
    )
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"' if given else "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    what = str(exc) or "Not found"
    return problem(
        404,
        what,
        f"{what}: there is nothing with this id that you can see. Ids are those the API "
        "returned; cases only appear to their owner and the advisers they are shared with.",
    )


@api.exception_handler(CaseError)
def _case_error(request: HttpRequest, exc: CaseError) -> HttpResponse:
    return problem(422, "Some of the request is not valid", exc.message, field=exc.field)


@api.exception_handler(IdempotencyKeyError)
def _idempotency_key_error(request: HttpRequest, exc: IdempotencyKeyError) -> HttpResponse:
    return problem(exc.status, exc.title, exc.detail, type=exc.type, field="Idempotency-Key")


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
