"""Case file operations: cases, their concerns, what happened at each stage, and every deadline.

Each operation looks the case up with ``access.case_for`` (someone else's case answers 404, as on
the web), calls a service of ``sendroute.cases``, and records what was seen or changed in the
audit, ``via="api"``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import P, Router, Status
from ninja.params import HeaderEx

from sendroute.cases.access import FAMILY_ROLES, Need, access_of, case_for, cases_visible_to
from sendroute.cases.advice import concern_view, today
from sendroute.cases.audit import Action, audit_record
from sendroute.cases.deadlines import deadlines_for
from sendroute.cases.models import Access, Case, Concern, Share
from sendroute.cases.services import (
    CaseError,
    StageNeedsConfirmation,
    VersionConflict,
    case_create,
    case_delete,
    case_update,
    concern_create,
    concern_facts_update,
    route_steps,
    stage_event_record,
)

from .auth import caller, token_auth
from .case_common import VIA, concern_of, conflict, replayed, responses
from .case_schemas import (
    CaseIn,
    CaseOut,
    CasePatch,
    ConcernIn,
    ConcernOut,
    ConcernPatch,
    DeadlineRowOut,
    EventIn,
    EventOut,
    EventRecordedOut,
    case_out,
    concern_out,
    deadline_row_out,
    event_out,
)
from .idempotency import HEADER, HEADER_DESCRIPTION, create_once
from .problems import STAGE_NEEDS_CONFIRMATION, problem

router = Router(auth=token_auth, tags=["cases"])

IdempotencyKey = HeaderEx[
    str, P(alias=HEADER, description=HEADER_DESCRIPTION, min_length=1, max_length=200)
]


def _case(request: HttpRequest, case_id: uuid.UUID, need: Need) -> Case:
    return case_for(caller(request), case_id, need)


def _access(request: HttpRequest, case: Case) -> Need:
    return access_of(caller(request), case) or Need.VIEW


# -- cases -------------------------------------------------------------------------------------


@router.get(
    "/cases",
    response=responses({200: list[CaseOut]}),
    summary="Your cases",
    description="Cases you own, or (for advisers) that are shared with you. Staff and "
    "administrators see none.",
)
def list_cases(request: HttpRequest) -> Any:
    user = caller(request)
    cases = list(cases_visible_to(user).prefetch_related("concerns"))
    if user.role in FAMILY_ROLES:
        needs = {c.pk: Need.OWN for c in cases}
    else:
        shares = Share.objects.filter(
            adviser=user, revoked_at__isnull=True, case__in=[c.pk for c in cases]
        )
        needs = {s.case_id: Need.EDIT if s.access == Access.EDIT else Need.VIEW for s in shares}
    return [case_out(c, needs.get(c.pk, Need.VIEW)) for c in cases]


@router.post(
    "/cases",
    response=responses({201: CaseOut, 200: CaseOut}, 400, 403, 409, 413, 422),
    summary="Start a case",
    description="Only parents, carers and young people can start a case (others get 403). "
    "Only title and area are required.",
)
def create_case(
    request: HttpRequest, payload: CaseIn, response: HttpResponse, key: IdempotencyKey = ""
) -> Any:
    user = caller(request)
    if user.role not in FAMILY_ROLES:
        return problem(
            403,
            "You cannot start a case",
            "Only parents, carers and young people can start a case. Advisers work on the "
            "cases families share with them.",
        )

    def make() -> Case:
        return case_create(owner=user, via=VIA, **payload.model_dump())

    case, replay = create_once(
        request,
        user,
        key,
        make,
        lambda public_id: Case.objects.filter(public_id=public_id, owner=user).first(),
        lambda c: c.public_id,
    )
    return Status(replayed(response, replay), case_out(case, Need.OWN))


@router.get(
    "/cases/{case_id}",
    response=responses({200: CaseOut}, 404, 422),
    summary="One case",
)
def get_case(request: HttpRequest, case_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    audit_record(actor=caller(request), action=Action.CASE_VIEWED, case=case, obj=case, via=VIA)
    return case_out(case, _access(request, case))


@router.patch(
    "/cases/{case_id}",
    response=responses({200: CaseOut}, 400, 404, 409, 413, 422),
    summary="Change a case's details",
    description="Owner only. Send `version` (from the case you read) and the fields to change. "
    "If someone changed the case since, nothing is saved: 409 with the current version.",
)
def patch_case(request: HttpRequest, case_id: uuid.UUID, payload: CasePatch) -> Any:
    case = _case(request, case_id, Need.OWN)
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    try:
        case_update(case=case, actor=caller(request), version=version, via=VIA, **values)
    except VersionConflict as exc:
        case.refresh_from_db()
        return conflict(exc, case.version)
    return case_out(case, Need.OWN)


@router.delete(
    "/cases/{case_id}",
    response=responses({204: None}, 404, 422),
    summary="Delete a case and everything in it",
    description="Owner only. Its concerns, notes and files are deleted too.",
)
def delete_case(request: HttpRequest, case_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.OWN)
    case_delete(case=case, actor=caller(request), via=VIA)
    return Status(204, None)


# -- concerns ----------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/concerns",
    response=responses({200: list[ConcernOut]}, 404, 422),
    summary="A case's concerns, each with its advice and deadlines",
)
def list_concerns(request: HttpRequest, case_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    audit_record(actor=caller(request), action=Action.CASE_VIEWED, case=case, obj=case, via=VIA)
    on = today()
    return [concern_out(c, concern_view(c, on=on)) for c in case.concerns.select_related("case")]


@router.post(
    "/cases/{case_id}/concerns",
    response=responses({201: ConcernOut, 200: ConcernOut}, 400, 404, 409, 413, 422),
    summary="Add a concern",
    description="One concern follows one route. Its advice and deadlines come from its facts.",
)
def create_concern(
    request: HttpRequest,
    case_id: uuid.UUID,
    payload: ConcernIn,
    response: HttpResponse,
    key: IdempotencyKey = "",
) -> Any:
    case = _case(request, case_id, Need.EDIT)
    user = caller(request)

    def make() -> Concern:
        return concern_create(
            case=case,
            actor=user,
            route=payload.route,
            facts=payload.facts,
            title=payload.title,
            via=VIA,
        )

    concern, replay = create_once(
        request,
        user,
        key,
        make,
        lambda public_id: case.concerns.filter(public_id=public_id).first(),
        lambda c: c.public_id,
    )
    return Status(replayed(response, replay), concern_out(concern, concern_view(concern)))


@router.get(
    "/cases/{case_id}/concerns/{concern_id}",
    response=responses({200: ConcernOut}, 404, 422),
    summary="One concern: its answers, next step and deadlines",
)
def get_concern(request: HttpRequest, case_id: uuid.UUID, concern_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    concern = concern_of(case, concern_id)
    audit_record(
        actor=caller(request), action=Action.CONCERN_VIEWED, case=case, obj=concern, via=VIA
    )
    return concern_out(concern, concern_view(concern))


@router.patch(
    "/cases/{case_id}/concerns/{concern_id}",
    response=responses({200: ConcernOut}, 400, 404, 409, 413, 422),
    summary="Change a concern's answers",
    description="The advice and dates are worked out again; `changes` says what changed, in "
    "plain English. Send `version`: 409 if the concern changed since you read it.",
)
def patch_concern(
    request: HttpRequest, case_id: uuid.UUID, concern_id: uuid.UUID, payload: ConcernPatch
) -> Any:
    case = _case(request, case_id, Need.EDIT)
    concern = concern_of(case, concern_id)
    try:
        result = concern_facts_update(
            concern=concern,
            actor=caller(request),
            facts=payload.facts,
            version=payload.version,
            via=VIA,
        )
    except VersionConflict as exc:
        concern.refresh_from_db()
        return conflict(exc, concern.version)
    except CaseError as exc:
        if exc.field and exc.field != "facts":
            raise CaseError(exc.message, f"facts.{exc.field}") from None
        raise
    return concern_out(result.concern, concern_view(result.concern), result.changed)


# -- stage events ------------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/concerns/{concern_id}/events",
    response=responses({200: list[EventOut]}, 404, 422),
    summary="What happened at each stage of a concern",
)
def list_events(request: HttpRequest, case_id: uuid.UUID, concern_id: uuid.UUID) -> Any:
    case = _case(request, case_id, Need.VIEW)
    concern = concern_of(case, concern_id)
    audit_record(
        actor=caller(request), action=Action.CONCERN_VIEWED, case=case, obj=concern, via=VIA
    )
    titles = dict(route_steps(concern))
    return [event_out(e, concern, titles) for e in concern.events.all()]


@router.post(
    "/cases/{case_id}/concerns/{concern_id}/events",
    response=responses({201: EventRecordedOut, 200: EventRecordedOut}, 400, 404, 409, 413, 422),
    summary="Record what happened at a stage",
    description="A complaint made, an acknowledgement, a response or the outcome. Recording "
    "'made' for a step moves the concern on, and its deadlines with it. A step that a rule "
    "says is not open, or that skips an earlier stage, is refused with 409 "
    "(stage-needs-confirmation, with the reasons) until it is sent again with "
    '`"confirm": true`.',
)
def create_event(
    request: HttpRequest,
    case_id: uuid.UUID,
    concern_id: uuid.UUID,
    payload: EventIn,
    response: HttpResponse,
    key: IdempotencyKey = "",
) -> Any:
    case = _case(request, case_id, Need.EDIT)
    concern = concern_of(case, concern_id)
    user = caller(request)
    changes: list[str] = []

    def make() -> Any:
        event, result = stage_event_record(
            concern=concern,
            actor=user,
            step=payload.step,
            kind=payload.kind,
            date=payload.date,
            how=payload.how,
            to_whom=payload.to_whom,
            outcome=payload.outcome,
            summary=payload.summary,
            confirmed=payload.confirm,
            version=payload.version,
            via=VIA,
        )
        changes.extend(result.changed)
        return event

    try:
        event, replay = create_once(
            request,
            user,
            key,
            make,
            lambda public_id: concern.events.filter(public_id=public_id).first(),
            lambda e: e.public_id,
        )
    except VersionConflict as exc:
        concern.refresh_from_db()
        return conflict(exc, concern.version)
    except StageNeedsConfirmation as exc:
        return problem(
            409,
            "Check this stage before it is recorded",
            "The rules did not expect this step to be taken now. If it really happened, send "
            'the same request again with "confirm": true.',
            type=STAGE_NEEDS_CONFIRMATION,
            field="confirm",
            reasons=[*exc.check.closed, *exc.check.skipped],
        )
    concern.refresh_from_db()
    return Status(
        replayed(response, replay),
        {
            "event": event_out(event, concern, dict(route_steps(concern))),
            "concern": concern_out(concern, concern_view(concern), changes),
        },
    )


# -- deadlines ---------------------------------------------------------------------------------


@router.get(
    "/deadlines",
    response=responses({200: list[DeadlineRowOut]}),
    summary="Every deadline across your cases, soonest first",
    description="Dated deadlines of every concern not marked resolved, in the cases you can "
    "see. Deadlines the rules cannot date yet are left out.",
)
def list_deadlines(request: HttpRequest) -> Any:
    return [deadline_row_out(row) for row in deadlines_for(caller(request), today())]
