"""Concern views: the concern page (its route's advice and deadlines, what happened at each
stage), changing its answers one question at a time, adding a concern, recording a stage."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from sendroute.journey.answers import answer_label, kept_from_value, read_answer

from ..access import Need, access_of, allows, case_for, one_of
from ..advice import concern_view, rules_for, today
from ..audit import Action, audit_record
from ..models import Case, Concern, EventKind, How, Outcome
from ..services import (
    CaseError,
    StageNeedsConfirmation,
    VersionConflict,
    concern_create,
    concern_facts_update,
    route_steps,
    stage_event_record,
    submit_once,
)
from .common import (
    Errors,
    date_items,
    new_form_key,
    page,
    read_date,
    read_version,
    signed_in,
    signed_in_user,
)

ABOUT_CHOICES = [
    {"value": "school", "text": "A school, nursery or college"},
    {"value": "ehc", "text": "An EHC needs assessment or EHC plan"},
    {"value": "council", "text": "Another council service, like school transport or social care"},
    {"value": "health", "text": "An NHS service"},
]


def _concern(case: Case, concern_id: str) -> Concern:
    concern: Concern = one_of(case.concerns.all(), concern_id)
    return concern


def _concern_url(concern: Concern) -> str:
    return reverse(
        "cases:concern", kwargs={"case_id": concern.case.public_id, "concern_id": concern.public_id}
    )


@signed_in
def concern_page(request: HttpRequest, case_id: str, concern_id: str) -> HttpResponse:
    case = case_for(request.user, case_id, Need.VIEW)
    concern = _concern(case, concern_id)
    audit_record(
        actor=signed_in_user(request), action=Action.CONCERN_VIEWED, case=case, obj=concern
    )
    view = concern_view(concern)
    titles = dict(route_steps(concern))
    events = list(concern.events.all())
    return page(
        request,
        "cases/concern.html",
        concern.title,
        case=case,
        concern=concern,
        view=view,
        events=events,
        step_titles=titles,
        can_edit=allows(access_of(request.user, case), Need.EDIT),
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
    )


@signed_in
def concern_answers(request: HttpRequest, case_id: str, concern_id: str) -> HttpResponse:
    """The answers this concern was advised on, each with a change link."""
    case = case_for(request.user, case_id, Need.VIEW)
    concern = _concern(case, concern_id)
    audit_record(
        actor=signed_in_user(request), action=Action.CONCERN_VIEWED, case=case, obj=concern
    )
    rules = rules_for(case.area)
    rows = []
    for name, value in concern.facts.items():
        spec = rules.facts.get(name)
        if spec is None:
            continue
        rows.append(
            {
                "fact": spec,
                "answer": answer_label(spec, value, False),
                "change": reverse(
                    "cases:concern_answer",
                    kwargs={
                        "case_id": case.public_id,
                        "concern_id": concern.public_id,
                        "fact": name,
                    },
                ),
            }
        )
    missing = [rules.facts[f] for f in concern_view(concern, rules).advice.missing_facts[:5]]
    return page(
        request,
        "cases/concern_answers.html",
        "Your answers for this concern",
        case=case,
        concern=concern,
        rows=rows,
        missing=missing,
        can_edit=allows(access_of(request.user, case), Need.EDIT),
        back_url=_concern_url(concern),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def concern_answer(request: HttpRequest, case_id: str, concern_id: str, fact: str) -> HttpResponse:
    """Change (or give) one answer; the advice and dates are worked out again, and what changed
    is shown. After a new answer, the next unanswered question follows, as in the advice."""
    case = case_for(request.user, case_id, Need.EDIT)
    concern = _concern(case, concern_id)
    rules = rules_for(case.area)
    spec = rules.facts.get(fact)
    if spec is None:
        raise Http404("No such question")
    kept = kept_from_value(spec, concern.facts.get(fact))
    errors: list[Any] = []
    status = None
    if request.method == "POST":
        answer = read_answer(spec, request.POST, today())
        if not answer.errors:
            try:
                result = concern_facts_update(
                    concern=concern,
                    actor=signed_in_user(request),
                    facts={fact: None if answer.skipped else answer.value},
                    version=read_version(request.POST),
                )
            except VersionConflict as exc:
                from sendroute.journey.answers import FieldError

                errors = [FieldError(fact, exc.args[0])]
                status = 409
                concern.refresh_from_db()
            else:
                for line in result.changed:
                    messages.info(request, line)
                following = next(
                    (
                        f
                        for f in concern_view(concern, rules).advice.missing_facts
                        if f not in concern.facts and request.POST.get("walk") == "yes"
                    ),
                    None,
                )
                if following:
                    return redirect(
                        reverse(
                            "cases:concern_answer",
                            kwargs={
                                "case_id": case.public_id,
                                "concern_id": concern.public_id,
                                "fact": following,
                            },
                        )
                        + "?walk=yes"
                    )
                return redirect(_concern_url(concern))
        else:
            errors, kept = answer.errors, answer.kept
    return page(
        request,
        "journey/question.html",
        spec.question,
        status=status or (400 if errors else 200),
        fact=spec,
        index=0,
        errors=errors,
        error_list=[{"text": e.message, "href": f"#{e.target}"} for e in errors],
        error_summary=bool(errors),
        kept=kept,
        not_sure=False,
        several=False,
        hidden={
            "version": concern.version,
            "walk": request.GET.get("walk") or request.POST.get("walk") or "",
        },
        back_url=reverse(
            "cases:concern_answers",
            kwargs={"case_id": case.public_id, "concern_id": concern.public_id},
        ),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest, case_id: str) -> HttpResponse:
    """Add a concern: what it is about; then its questions, one at a time."""
    case = case_for(request.user, case_id, Need.EDIT)
    errors = Errors()
    chosen = request.POST.get("about", "")
    if request.method == "POST":
        if chosen not in {c["value"] for c in ABOUT_CHOICES}:
            errors.add("about", "Select what your concern is about")
        else:
            rules = rules_for(case.area)
            carried = {}
            first = case.concerns.first()
            if first is not None:
                from sendroute.journey.state import CARRIED_FACTS

                carried = {k: v for k, v in first.facts.items() if k in CARRIED_FACTS}
            facts = {**carried, "concern_about": [chosen]}

            def create() -> str:
                from sendroute.rules import advise

                from ..advice import checked_facts

                on = today()
                routes = [
                    c.route for c in advise(rules, checked_facts(facts, rules, on), on).concerns
                ]
                if not routes:
                    raise CaseError("We could not find a route for that concern.", "about")
                made = [
                    concern_create(case=case, actor=signed_in_user(request), route=r, facts=facts)
                    for r in routes
                ]
                view = concern_view(made[0], rules, on)
                missing = [f for f in view.advice.missing_facts if f not in facts]
                if missing:
                    return (
                        reverse(
                            "cases:concern_answer",
                            kwargs={
                                "case_id": case.public_id,
                                "concern_id": made[0].public_id,
                                "fact": missing[0],
                            },
                        )
                        + "?walk=yes"
                    )
                return _concern_url(made[0])

            try:
                return redirect(
                    submit_once(
                        key=request.POST.get("form_key"), user=signed_in_user(request), do=create
                    )
                )
            except CaseError as exc:
                errors.add("about", exc.message)
    return page(
        request,
        "cases/concern_new.html",
        "What is your concern about?",
        errors=errors,
        case=case,
        choices=[{**c, "checked": c["value"] == chosen} for c in ABOUT_CHOICES],
        form_key=request.POST.get("form_key") or new_form_key(),
        back_url=reverse("cases:case", kwargs={"case_id": case.public_id}),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def record_stage(request: HttpRequest, case_id: str, concern_id: str) -> HttpResponse:
    """Record what happened at a stage: complaint made, acknowledged, answered, the outcome."""
    case = case_for(request.user, case_id, Need.EDIT)
    concern = _concern(case, concern_id)
    steps = route_steps(concern)
    errors = Errors()
    data: Any = (
        request.POST
        if request.method == "POST"
        else {
            "step": request.GET.get("step") or concern.current_step,
            "kind": request.GET.get("kind", ""),
        }
    )
    confirm_needed = None
    status = None
    if request.method == "POST":
        step = data.get("step", "")
        kind = data.get("kind", "")
        if step not in dict(steps):
            errors.add("step", "Select the stage this is about")
        if kind not in EventKind.values:
            errors.add("kind", "Select what happened")
        date = read_date(data, "date", errors, "the date it happened")
        outcome = data.get("outcome", "") if kind in (EventKind.RESPONSE, EventKind.OUTCOME) else ""
        if kind == EventKind.OUTCOME and not outcome:
            errors.add("outcome", "Select whether it was resolved")
        if not errors and date is not None:

            def do() -> str:
                _event, result = stage_event_record(
                    concern=concern,
                    actor=signed_in_user(request),
                    step=step,
                    kind=kind,
                    date=date,
                    how=data.get("how", "") if kind == EventKind.MADE else "",
                    to_whom=data.get("to_whom", ""),
                    outcome=outcome,
                    summary=data.get("summary", ""),
                    confirmed=data.get("confirm") == "yes",
                    version=read_version(data),
                )
                for line in result.changed:
                    messages.info(request, line)
                messages.success(request, "What happened has been recorded.")
                return _concern_url(concern)

            try:
                return redirect(
                    submit_once(key=data.get("form_key"), user=signed_in_user(request), do=do)
                )
            except StageNeedsConfirmation as exc:
                confirm_needed = exc.check
                if data.get("confirm_shown") == "yes":
                    errors.add(
                        "confirm", "Confirm that this really happened, or choose another stage"
                    )
            except VersionConflict as exc:
                errors.add("step", exc.args[0])
                status = 409
                concern.refresh_from_db()
            except CaseError as exc:
                errors.add(exc.field if exc.field != "date" else "date-day", exc.message)
    return page(
        request,
        "cases/record_stage.html",
        "Record what happened",
        errors=errors,
        status=status,
        case=case,
        concern=concern,
        steps=[{"value": s, "text": t, "checked": data.get("step") == s} for s, t in steps],
        kinds=[
            {"value": k, "text": label, "checked": data.get("kind") == k}
            for k, label in EventKind.choices
        ],
        hows=[
            {"value": k, "text": label, "checked": data.get("how") == k} for k, label in How.choices
        ],
        outcomes=[
            {"value": k, "text": label, "checked": data.get("outcome") == k}
            for k, label in Outcome.choices
        ],
        date_inputs=date_items(data, "date", errors),
        data=data,
        confirm_needed=confirm_needed,
        version=concern.version,
        form_key=data.get("form_key") or new_form_key(),
        back_url=_concern_url(concern),
    )


urlpatterns = [
    path("cases/<str:case_id>/concerns/new", concern_new, name="concern_new"),
    path("cases/<str:case_id>/concerns/<str:concern_id>/", concern_page, name="concern"),
    path(
        "cases/<str:case_id>/concerns/<str:concern_id>/answers",
        concern_answers,
        name="concern_answers",
    ),
    path(
        "cases/<str:case_id>/concerns/<str:concern_id>/answers/<str:fact>",
        concern_answer,
        name="concern_answer",
    ),
    path("cases/<str:case_id>/concerns/<str:concern_id>/record", record_stage, name="record"),
]
