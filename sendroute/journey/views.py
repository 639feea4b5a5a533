"""Views of the advice journey. Each parses input, calls a service, renders or redirects."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .answers import answer_label, kept_from_value, read_answer
from .answers_cookie import request_answers
from .services import concern_advice, concern_next_fact, journey_rules, journey_today
from .state import MAX_CONCERNS, Journey, journey_clear


def _page(
    request: HttpRequest, template: str, title: str, status: int = 200, **context: Any
) -> HttpResponse:
    return render(request, template, {"title": title, **context}, status=status)


def start(request: HttpRequest) -> HttpResponse:
    journey = Journey.load(request_answers(request))
    return _page(
        request,
        "journey/start.html",
        "Get advice about a SEND complaint or disagreement",
        journey=journey,
    )


def next_question(request: HttpRequest, index: int) -> HttpResponse:
    journey = Journey.load(request_answers(request))
    concern = journey.concern(index)
    if concern is None:
        raise Http404("There is no such concern.")
    journey.save(request_answers(request))
    rules, today = journey_rules(), journey_today()
    fact = concern_next_fact(concern, concern_advice(concern, rules, today))
    if fact is None:
        return redirect("journey:check", index=index)
    return redirect("journey:question", index=index, fact=fact)


@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, index: int, fact: str) -> HttpResponse:
    journey = Journey.load(request_answers(request))
    concern = journey.concern(index)
    rules, today = journey_rules(), journey_today()
    if concern is None or fact not in rules.facts:
        raise Http404("There is no such question.")
    advice = concern_advice(concern, rules, today)
    known = fact in concern.answers or fact in concern.skipped
    if not known and fact not in advice.missing_facts:
        # Not a question for this concern (any more): go to the one that is.
        return redirect("journey:next", index=index)
    spec = rules.facts[fact]
    returning = request.GET.get("return") == "check"
    errors: list[Any] = []
    kept = kept_from_value(spec, concern.answers.get(fact))
    not_sure = fact in concern.skipped
    if request.method == "POST":
        answer = read_answer(spec, request.POST, today)
        if not answer.errors:
            if answer.skipped:
                concern.skip(fact)
            else:
                concern.record(fact, answer.value)
            journey.save(request_answers(request))
            following = concern_next_fact(concern, concern_advice(concern, rules, today))
            if following is None:
                return redirect("journey:check", index=index)
            target = reverse("journey:question", kwargs={"index": index, "fact": following})
            return HttpResponseRedirect(target + ("?return=check" if returning else ""))
        errors, kept, not_sure = answer.errors, answer.kept, False
    previous = concern.previous(fact)
    if returning:
        back = reverse("journey:check", kwargs={"index": index})
    elif previous:
        back = reverse("journey:question", kwargs={"index": index, "fact": previous})
    else:
        back = reverse("journey:start")
    return _page(
        request,
        "journey/question.html",
        spec.question,
        status=400 if errors else 200,
        fact=spec,
        index=index,
        errors=errors,
        error_list=[{"text": e.message, "href": f"#{e.target}"} for e in errors],
        error_summary=bool(errors),
        kept=kept,
        not_sure=not_sure,
        back_url=back,
        returning=returning,
        several=len(journey.concerns) > 1,
    )


def check(request: HttpRequest, index: int) -> HttpResponse:
    journey = Journey.load(request_answers(request))
    concern = journey.concern(index)
    if concern is None:
        raise Http404("There is no such concern.")
    rules, today = journey_rules(), journey_today()
    advice = concern_advice(concern, rules, today)
    pending = concern_next_fact(concern, advice)
    if pending is not None:
        return redirect("journey:question", index=index, fact=pending)
    rows = []
    for name in concern.asked:
        if name not in rules.facts or (name not in concern.answers and name not in concern.skipped):
            continue
        spec = rules.facts[name]
        rows.append(
            {
                "fact": spec,
                "answer": answer_label(spec, concern.answers.get(name), name in concern.skipped),
                "change": reverse("journey:question", kwargs={"index": index, "fact": name})
                + "?return=check",
            }
        )
    last = concern.asked[-1] if concern.asked else None
    back = (
        reverse("journey:question", kwargs={"index": index, "fact": last})
        if last
        else reverse("journey:start")
    )
    return _page(
        request,
        "journey/check.html",
        "Check your answers",
        rows=rows,
        index=index,
        back_url=back,
        several=len(journey.concerns) > 1,
    )


def advice_page(request: HttpRequest) -> HttpResponse:
    journey = Journey.load(request_answers(request))
    if not journey.concerns:
        return redirect("journey:start")
    rules, today = journey_rules(), journey_today()
    results = []
    for i, concern in enumerate(journey.concerns):
        advice = concern_advice(concern, rules, today)
        if not concern.asked:
            return redirect("journey:next", index=i)
        labels = [
            v.label
            for v in rules.facts["concern_about"].values
            if v.value in concern.answers.get("concern_about", [])
        ]
        results.append({"index": i, "advice": advice, "about": labels})
    return _page(
        request,
        "journey/advice.html",
        "Your advice",
        results=results,
        today=today,
        can_add=len(journey.concerns) < MAX_CONCERNS,
        back_url=reverse("journey:check", kwargs={"index": len(journey.concerns) - 1}),
    )


@require_POST
def add_concern(request: HttpRequest) -> HttpResponse:
    journey = Journey.load(request_answers(request))
    if len(journey.concerns) >= MAX_CONCERNS:
        return redirect("journey:advice")
    index = journey.add_concern()
    journey.save(request_answers(request))
    return redirect("journey:next", index=index)


@require_http_methods(["GET", "POST"])
def clear(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        journey_clear(request_answers(request))
        return redirect(reverse("journey:start") + "?cleared=1")
    return _page(
        request, "journey/clear.html", "Clear your answers", back_url=reverse("journey:start")
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(request, "journey/csrf.html", "Sorry, we could not save that", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "journey/404.html", "Page not found", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request, "journey/500.html", "Sorry, there is a problem with the service", status=500
    )
