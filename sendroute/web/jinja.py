"""The Jinja2 environment: GOV.UK Frontend macros (govuk-frontend-jinja) plus our templates."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, PrefixLoader

from sendroute.rules.dates import format_date


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL by name, for templates: url("cases:case", case_id=...)."""
    if set(kwargs) == {"kwargs"}:  # also accept Django's own spelling, url(name, kwargs={...})
        kwargs = dict(kwargs["kwargs"])
    return reverse(name, args=args or None, kwargs=kwargs or None)


def when(moment: Any) -> str:
    """A date and time in England, as GOV.UK writes it: 27 November 2026 at 2:05pm."""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def longdate(moment: Any) -> str:
    """A date (or the date of a time, in England) as GOV.UK writes it: 27 November 2026."""
    if hasattr(moment, "hour"):
        moment = timezone.localtime(moment)
    return f"{moment.day} {moment:%B %Y}"


def checked_if(item: dict[str, Any], value: Any) -> dict[str, Any]:
    """A radios or checkboxes item, checked when its value is (or is in) ``value``."""
    chosen = value if isinstance(value, list | tuple | set) else [value]
    return {**item, "checked": item.get("value") in chosen}


def environment(**options: Any) -> Environment:
    """Django calls this to build the Jinja2 environment (TEMPLATES OPTIONS 'environment')."""
    loader = options.pop("loader")
    options["loader"] = ChoiceLoader(
        [loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    options.pop("autoescape", None)  # always on: every page shows what families typed
    # GOV.UK Frontend's macros rely on Jinja's ordinary, lenient undefined values.
    options["undefined"] = ChainableUndefined
    env = Environment(autoescape=True, **options)
    env.globals.update(
        static=static, url=url, service_name="Get advice about a SEND complaint or disagreement"
    )
    env.filters["long_date"] = format_date
    env.filters["extract"] = lambda key, table: table.get(key, key)
    env.globals["get_messages"] = get_messages
    env.filters["when"] = when
    env.filters["longdate"] = longdate
    env.filters["checked_if"] = checked_if
    env.filters["lower_first"] = lambda text: text[:1].lower() + text[1:] if text else text
    return env
