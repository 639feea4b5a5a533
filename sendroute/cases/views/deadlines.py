"""Deadline views: every deadline across a person's cases, and their private calendar feed (the
page to turn it on or off, and the feed itself, which calendar apps fetch without signing in)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from ..advice import today
from ..calendar_feed import calendar_ics, feed_create, feed_live, feed_revoke, feed_url, feed_user
from ..deadlines import SOON_DAYS, deadlines_for, deadlines_grouped
from .common import page, signed_in


@signed_in
@require_GET
def deadlines_page(request: HttpRequest) -> HttpResponse:
    """An overview: nothing is recorded in the audit (each concern page records its own view)."""
    on = today()
    groups = deadlines_grouped(deadlines_for(request.user, on))
    return page(
        request,
        "cases/deadlines.html",
        "Your deadlines",
        groups=groups,
        on=on,
        soon_days=SOON_DAYS,
    )


@signed_in
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Turn the calendar feed on, or get a new address. The address is shown once, in the reply
    to the POST that made it: only a hash of it is kept."""
    user = request.user
    address = ""
    if request.method == "POST":
        token, _ = feed_create(user)  # type: ignore[arg-type]
        address = feed_url(token)
    return page(
        request,
        "cases/calendar.html",
        "Add your deadlines to your calendar",
        feed=feed_live(user),  # type: ignore[arg-type]
        address=address,
        webcal=address.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
        turned_off=request.GET.get("off") == "1",
    )


@signed_in
@require_http_methods(["GET", "POST"])
def calendar_off(request: HttpRequest) -> HttpResponse:
    """Turn the feed off, after asking (GET asks, POST does it)."""
    feed = feed_live(request.user)  # type: ignore[arg-type]
    if feed is None:
        return redirect(reverse("cases:calendar"))
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            feed_revoke(feed, request.user)
            return redirect(reverse("cases:calendar") + "?off=1")
        return redirect(reverse("cases:calendar"))
    return page(
        request,
        "cases/calendar_off.html",
        "Are you sure you want to turn off your calendar feed?",
        back_url=reverse("cases:calendar"),
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself. No sign-in: the token in the address is the key. Unknown or turned off: 404."""
    user = feed_user(token)
    if user is None:
        raise Http404("No such calendar")
    response = HttpResponse(calendar_ics(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sendroute-deadlines.ics"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [
    path("deadlines", deadlines_page, name="deadlines"),
    path("calendar", calendar_page, name="calendar"),
    path("calendar/turn-off", calendar_off, name="calendar_off"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
